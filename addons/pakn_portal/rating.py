# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The rating of an answer by its submitter, on the scale of the case's
regulation profile; and the meaning of that scale, in one place: its
values, their labels, which of them count as satisfied (the statistics,
the portal's pages)."""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.pakn_helpdesk.model import AppendOnlyMixin, IntegrityMixin
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import RatingError
from .model import CaseRecordMixin, check_answered, feedback_values

# The values of a rating with their labels, from the best to the worst
RATINGS = [
    ('very_satisfied', "Very Satisfied"),
    ('satisfied', "Satisfied"),
    ('acceptable', "Acceptable"),
    ('not_satisfied', "Not Satisfied"),
    ]
RATING_VALUES = [value for value, _ in RATINGS]
# The values that count as satisfied (the statistics' satisfied rate)
SATISFIED = {'very_satisfied', 'satisfied'}
# The value whose reason a profile may require
NOT_SATISFIED = 'not_satisfied'
# The values of each rating scale of the regulation profiles
# (pakn.sla.profile rating_scale); a profile without a scale rates as
# GL2021 Art. 14 does
SCALES = {
    'satisfied_acceptable': ['satisfied', 'acceptable', 'not_satisfied'],
    'very_satisfied': ['very_satisfied', 'satisfied', 'not_satisfied'],
    None: ['satisfied', 'acceptable', 'not_satisfied'],
    }


def scale_values(scale):
    "The values of the rating scale (a profile's rating_scale), in order"
    return SCALES.get(scale, SCALES[None])


class Rating(
        CaseRecordMixin, AppendOnlyMixin, IntegrityMixin, ModelSQL,
        ModelView):
    __name__ = 'pakn.portal.rating'
    __string__ = "PAKN Rating"
    _case_unique_message = 'pakn_portal.msg_rating_once'
    _append_only_message = 'pakn_portal.msg_rating_final'
    _append_only_error = RatingError

    value = fields.Selection(
        RATINGS, "Rating", required=True, readonly=True, sort=False)
    reason = fields.Text("Reason", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT',
        help="The unit that answered.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.unit, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    rating = fields.One2Many(
        'pakn.portal.rating', 'ticket', "Rating", readonly=True)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('rating')
        return super().copy(tickets, default=default)

    def rating_values(self):
        "The values of the rating scale of the case's regulation profile"
        return scale_values(
            self.sla_profile.rating_scale if self.sla_profile else None)

    @classmethod
    def rate(cls, ticket, value, reason=None):
        """Record the submitter's rating of the answer, once; return it.
        The portal checks who the submitter is (code and phone)."""
        pool = Pool()
        Rating = pool.get('pakn.portal.rating')
        reason = (reason or '').strip() or None
        check_answered(
            ticket, RatingError, 'pakn_portal.msg_rating_not_answered')
        if value not in ticket.rating_values():
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_value', ticket=ticket.rec_name))
        profile = ticket.sla_profile
        if (value == NOT_SATISFIED and not reason
                and profile and profile.rating_reason_required):
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_reason',
                    profile=profile.rec_name))
        with without_check_access():
            if Rating.search([('ticket', '=', ticket.id)]):
                raise RatingError(gettext(
                        'pakn_portal.msg_rating_once'))
            rating, = Rating.create([feedback_values(
                        ticket, 'date', value=value, reason=reason)])
        return rating
