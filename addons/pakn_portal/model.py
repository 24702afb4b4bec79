# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the portal's records of a case share: the published answer, the
redactions, the rating and the follow-up questions belong to a case and
are read as it is; the rating and the follow-up questions are given back
by its submitter on its answer, for the unit that answered."""
from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.modules.pakn_helpdesk.common import now
from trytond.modules.pakn_helpdesk.lifecycle import DELIVERED_STATES


class CaseRecordMixin:
    """A record of a case (`ticket`, set by the server), read by whoever
    may read the case; one record per case when `_case_unique_message`
    names the ir.message of that constraint, else indexed by case"""
    __slots__ = ()
    _case_unique_message = None

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        if cls._case_unique_message:
            cls._sql_constraints += [
                ('ticket_unique', Unique(t, t.ticket),
                    cls._case_unique_message),
                ]
        else:
            cls._sql_indexes.add(Index(t, (t.ticket, Index.Range())))


def check_answered(ticket, error, message):
    """Raise error with the message (of a case) unless the case is
    answered: what the submitter gives back is about its answer"""
    if ticket.state not in DELIVERED_STATES or not ticket.answered_at:
        raise error(gettext(message, ticket=ticket.rec_name))


def feedback_values(ticket, date_field, **values):
    """The values of a record the submitter gives back on the case now (in
    the field date_field), for the unit that answered it"""
    return {
        'ticket': ticket.id,
        date_field: now(),
        'unit': ticket.lead_unit.id if ticket.lead_unit else None,
        **values,
        }
