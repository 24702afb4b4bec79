# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What citizens give back on the portal: the rating of an answer and their
follow-up questions, which the unit answers; and the public projection of
a case (what the portal may show)."""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from trytond.modules.pakn_helpdesk.common import now

from .exceptions import FollowUpError, RatingError

RATINGS = [
    ('very_satisfied', "Very Satisfied"),
    ('satisfied', "Satisfied"),
    ('acceptable', "Acceptable"),
    ('not_satisfied', "Not Satisfied"),
    ]
# The values of each rating scale of the regulation profiles; a profile
# without a scale rates as GL2021 Art. 14 does
SCALES = {
    'satisfied_acceptable': ['satisfied', 'acceptable', 'not_satisfied'],
    'very_satisfied': ['very_satisfied', 'satisfied', 'not_satisfied'],
    None: ['satisfied', 'acceptable', 'not_satisfied'],
    }
# States in which the submitter has received the answer
DELIVERED = {'answered', 'published', 'sent_privately', 'closed'}


def mask_name(name):
    """The name of a person as the public may see it: the family name and
    the initials of the others ("Nguyễn Văn An" gives "Nguyễn V. A.")"""
    words = (name or '').split()
    if not words:
        return ''
    if len(words) == 1:
        return words[0][0] + '.'
    return ' '.join([words[0]] + [w[0] + '.' for w in words[1:]])


class Rating(ModelSQL, ModelView):
    __name__ = 'pakn.portal.rating'
    __string__ = "PAKN Rating"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
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
        cls.__access__.add('ticket')
        cls._sql_constraints += [
            ('ticket_unique', Unique(t, t.ticket),
                'pakn_portal.msg_rating_once'),
            ]
        cls._sql_indexes.add(Index(t, (t.unit, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, ratings, values=None, external=False):
        super().check_modification(
            mode, ratings, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise RatingError(gettext('pakn_portal.msg_rating_final'))


class FollowUp(Workflow, ModelSQL, ModelView):
    __name__ = 'pakn.portal.followup'
    __string__ = "PAKN Follow-up Question"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT',
        help="The unit that must answer: the one that answered the case.")
    question = fields.Text("Question", required=True, readonly=True)
    asked_at = fields.DateTime("Asked at", required=True, readonly=True)
    answer = fields.Text("Answer", states={
            'readonly': Eval('state') != 'open',
            'required': Eval('state') == 'answered',
            })
    answered_by = fields.Many2One(
        'res.user', "Answered by", readonly=True, ondelete='RESTRICT')
    answered_at = fields.DateTime("Answered at", readonly=True)
    state = fields.Selection([
            ('open', "Waiting for the Answer"),
            ('answered', "Answered"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.update({
                Index(t, (t.ticket, Index.Range())),
                Index(t, (t.unit, Index.Range()),
                    where=t.state == 'open'),
                })
        cls._order = [('asked_at', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {('open', 'answered')}
        cls._buttons.update({
                'reply': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'open'

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def reply(cls, followups):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        for followup in followups:
            if not (followup.answer or '').strip():
                raise FollowUpError(gettext(
                        'pakn_portal.msg_followup_answer_required',
                        ticket=followup.ticket.rec_name))
        Ticket._check_unit_role([f.ticket for f in followups])
        cls.write(followups, {
                'answered_by': Transaction().user or None,
                'answered_at': now(),
                })


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    public = fields.Function(
        fields.Boolean(
            "Public", help="The answer is published on the portal."),
        'get_public', searcher='search_public')
    submitter_public_name = fields.Function(
        fields.Char("Submitter (public)"), 'get_submitter_public_name')
    rating = fields.One2Many(
        'pakn.portal.rating', 'ticket', "Rating", readonly=True)
    followups = fields.One2Many(
        'pakn.portal.followup', 'ticket', "Follow-up Questions",
        readonly=True)

    @classmethod
    def _public_domain(cls):
        return [
            ('state', 'in', ['published', 'closed']),
            ('confidential', '=', False),
            ('state_secret', '=', False),
            ('events', 'where', [('type', '=', 'published')]),
            ]

    @classmethod
    def get_public(cls, tickets, name):
        with without_check_access():
            public = set(map(int, cls.search([
                            ('id', 'in', [t.id for t in tickets]),
                            *cls._public_domain()])))
        return {t.id: t.id in public for t in tickets}

    @classmethod
    def search_public(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return cls._public_domain()
        return ['OR',
            ('state', 'not in', ['published', 'closed']),
            ('confidential', '=', True),
            ('state_secret', '=', True),
            ('events', 'not where', [('type', '=', 'published')]),
            ]

    def get_submitter_public_name(self, name):
        if self.state_secret or self.confidential:
            return None
        if self.submitter_type == 'organisation':
            return self.submitter_name
        return mask_name(self.submitter_name)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('rating')
        default.setdefault('followups')
        return super().copy(tickets, default=default)

    def rating_values(self):
        "The values of the rating scale of the case's regulation profile"
        scale = self.sla_profile.rating_scale if self.sla_profile else None
        return SCALES.get(scale, SCALES[None])

    @classmethod
    def rate(cls, ticket, value, reason=None):
        """Record the submitter's rating of the answer, once; return it.
        The portal checks who the submitter is (code and phone)."""
        pool = Pool()
        Rating = pool.get('pakn.portal.rating')
        reason = (reason or '').strip() or None
        if ticket.state not in DELIVERED or not ticket.answered_at:
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_not_answered',
                    ticket=ticket.rec_name))
        if value not in ticket.rating_values():
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_value', ticket=ticket.rec_name))
        profile = ticket.sla_profile
        if (value == 'not_satisfied' and not reason
                and profile and profile.rating_reason_required):
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_reason',
                    profile=profile.rec_name))
        with without_check_access():
            if Rating.search([('ticket', '=', ticket.id)]):
                raise RatingError(gettext(
                        'pakn_portal.msg_rating_once'))
            rating, = Rating.create([{
                        'ticket': ticket.id,
                        'value': value,
                        'reason': reason,
                        'date': now(),
                        'unit': ticket.lead_unit.id
                        if ticket.lead_unit else None,
                        }])
        return rating

    @classmethod
    def ask(cls, ticket, question):
        """Record a follow-up question of the submitter, routed to the unit
        that answered; return it"""
        pool = Pool()
        FollowUp = pool.get('pakn.portal.followup')
        question = (question or '').strip()
        if not question:
            raise FollowUpError(gettext(
                    'pakn_portal.msg_followup_question_required'))
        if ticket.state not in DELIVERED or not ticket.answered_at:
            raise FollowUpError(gettext(
                    'pakn_portal.msg_followup_not_answered',
                    ticket=ticket.rec_name))
        with without_check_access():
            followup, = FollowUp.create([{
                        'ticket': ticket.id,
                        'question': question,
                        'asked_at': now(),
                        'unit': ticket.lead_unit.id
                        if ticket.lead_unit else None,
                        }])
        return followup
