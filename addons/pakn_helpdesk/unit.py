# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    tree,
)
from trytond.pool import Pool
from trytond.pyson import Eval

from .common import normalize_contact_values, search_code_or_name
from .exceptions import UnitValidationError
from .model import IntegrityMixin

KINDS = [
    ('province_office', "Provincial Office"),
    ('department', "Department"),
    ('district', "District"),
    ('commune', "Commune"),
    ('service_provider', "Public Service Provider"),
    ('central_agency', "Central Agency"),
    ('post_office', "Post Office"),
    ('other', "Other"),
    ]


class Unit(
        IntegrityMixin, DeactivableMixin, tree(separator=' / '), ModelSQL,
        ModelView):
    __name__ = 'pakn.unit'
    __string__ = "PAKN Unit"

    name = fields.Char("Name", required=True, translate=False)
    code = fields.Char("Code", required=True, strip=True)
    kind = fields.Selection(KINDS, "Kind", required=True, sort=False)
    parent = fields.Many2One(
        'pakn.unit', "Parent", ondelete='RESTRICT',
        domain=[('id', '!=', Eval('id', -1))])
    childs = fields.One2Many('pakn.unit', 'parent', "Children")
    supervising_office = fields.Boolean(
        "Supervising Office",
        help="The office of the provincial People's Committee that receives "
        "escalated cases and monitors all of them.")
    focal_points = fields.Many2Many(
        'pakn.unit-res.user.focal_point', 'unit', 'user', "Focal Points",
        help="Staff who accept or return cases and draft the answers.")
    leaders = fields.Many2Many(
        'pakn.unit-res.user.leader', 'unit', 'user', "Leaders",
        help="Heads who approve answers and receive escalations.")
    calendar = fields.Many2One(
        'pakn.calendar', "Working Calendar", ondelete='RESTRICT',
        help="Leave empty to work with the calendar of the parent unit or "
        "of the province.")
    phone = fields.Char("Phone")
    email = fields.Char("Email")
    address = fields.Text("Address")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'pakn_helpdesk.msg_unit_code_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.parent, Index.Range())))
        cls._order.insert(0, ('code', 'ASC'))

    @staticmethod
    def default_kind():
        return 'department'

    @staticmethod
    def default_supervising_office():
        return False

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        return search_code_or_name(clause)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        return normalize_contact_values(
            values, phone_fields=['phone'], email_fields=['email'])

    @classmethod
    def validate_fields(cls, units, field_names):
        super().validate_fields(units, field_names)
        if field_names and 'supervising_office' not in field_names:
            return
        offices = cls.search([('supervising_office', '=', True)])
        if len(offices) > 1:
            raise UnitValidationError(gettext(
                    'pakn_helpdesk.msg_unit_supervising_office_unique',
                    unit=offices[0].rec_name))

    def get_calendar(self):
        "Return the calendar the unit's deadlines count in"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        unit = self
        while unit:
            if unit.calendar:
                return unit.calendar
            unit = unit.parent
        return Calendar.get_default()

    def is_member(self, user_id, role=None, ancestors=True):
        """Tell if the user is a focal point or leader of the unit.

        role restricts to 'focal_point' or 'leader'; with ancestors, the
        leaders of a parent unit count as leaders of its sub-units."""
        unit = self
        first = True
        while unit:
            if first and role in {None, 'focal_point'}:
                if user_id in {u.id for u in unit.focal_points}:
                    return True
            if role in {None, 'leader'}:
                if user_id in {u.id for u in unit.leaders}:
                    return True
            if not ancestors:
                break
            unit = unit.parent
            first = False
        return False

    @classmethod
    def on_modification(cls, mode, units, field_names=None):
        super().on_modification(mode, units, field_names=field_names)
        if mode != 'write' or (field_names & {'parent', 'active'}):
            _clear_units_cache()
        if mode == 'write' and field_names & {'parent', 'calendar'}:
            Pool().get('pakn.ticket.deadline').recompute()


def _clear_units_cache():
    pool = Pool()
    User = pool.get('res.user')
    User._get_pakn_units_cache.clear()


class _UnitUserMixin(IntegrityMixin, ModelSQL):
    unit = fields.Many2One(
        'pakn.unit', "Unit", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.unit, Index.Range())),
                Index(t, (t.user, Index.Range())),
                })

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        _clear_units_cache()


class UnitFocalPoint(_UnitUserMixin, ModelSQL):
    __name__ = 'pakn.unit-res.user.focal_point'
    __string__ = "PAKN Unit - Focal Point"


class UnitLeader(_UnitUserMixin, ModelSQL):
    __name__ = 'pakn.unit-res.user.leader'
    __string__ = "PAKN Unit - Leader"
