# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The follow-up questions of a submitter on the answer of their case,
which the unit that answered answers."""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.pakn_helpdesk.common import now
from trytond.modules.pakn_helpdesk.model import IntegrityMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import FollowUpError
from .model import CaseRecordMixin, check_answered, feedback_values


class FollowUp(CaseRecordMixin, IntegrityMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'pakn.portal.followup'
    __string__ = "PAKN Follow-up Question"

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
        cls._sql_indexes.add(
            Index(t, (t.unit, Index.Range()), where=t.state == 'open'))
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
    def check_modification(cls, mode, followups, values=None, external=False):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        super().check_modification(
            mode, followups, values=values, external=external)
        # The answer is the unit's (reply checks it too): the access to the
        # case, which Tryton adds to that of its follow-up questions, lets
        # the operator write the case but not answer for the unit
        if external and mode == 'write' and not Ticket._is_office() and (
                ModelData.get_id('pakn_helpdesk', 'group_admin')
                not in User.get_groups()):
            Ticket._check_unit_role([f.ticket for f in followups])

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

    followups = fields.One2Many(
        'pakn.portal.followup', 'ticket', "Follow-up Questions",
        readonly=True)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('followups')
        return super().copy(tickets, default=default)

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
        check_answered(
            ticket, FollowUpError, 'pakn_portal.msg_followup_not_answered')
        with without_check_access():
            followup, = FollowUp.create([feedback_values(
                        ticket, 'asked_at', question=question)])
        return followup
