# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .phone import normalize_mobile


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    pakn_mobile = fields.Char(
        "Mobile", help="Where the hotline's SMS reach this person: "
        "transfer slips, escalations, reminders.")

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('pakn_mobile'):
            values['pakn_mobile'] = normalize_mobile(values['pakn_mobile'])
        return values

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.append('pakn_mobile')
        # Only some groups read the staff's contacts (res.xml): load them
        # apart, so that clients reading users for the rest (proteus reads
        # every eager field) are not refused
        for name in ['email', 'pakn_mobile', 'mobile']:
            getattr(cls, name).loading = 'lazy'

    @classmethod
    def parse_view(cls, tree, type, view_id=None, field_children=None,
            level=0, view_depends=None):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        # The contact fields are hidden from other staff by field access
        # (res.xml), not from their owner: keep them in the preferences
        # form (ir.ModelFieldAccess.get_access)
        preferences = view_id is not None and view_id == ModelData.get_id(
            'res', 'user_view_form_preferences')
        with Transaction().set_context(_pakn_preferences_view=preferences):
            return super().parse_view(
                tree, type, view_id=view_id, field_children=field_children,
                level=level, view_depends=view_depends)
