# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The deadlines of each case, in their own indexed rows.

Events of the case start the stages of its regulation profile and meet or
cancel the running ones. The sweep reads only the running rows that are due
(through the partial index on due) and applies their action once: a row
leaves the state "running" in a conditional UPDATE, so two sweeps at once,
or the same sweep twice, never escalate or notify twice."""
import datetime as dt
import uuid

from sql import Literal
from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import now
from .exceptions import ExtensionError
from .lifecycle import (
    CLOSED_STATES, DELIVERING_EVENTS, ENDING_EVENTS, STAGE_EVENTS)
from .model import IntegrityMixin
from .sla import ROLES

STATES = [
    ('running', "Running"),
    ('met', "Met"),
    ('missed', "Missed"),
    ('cancelled', "Cancelled"),
    ]
SWEEP_BATCH = 1000


class Deadline(IntegrityMixin, ModelSQL, ModelView):
    __name__ = 'pakn.ticket.deadline'
    __string__ = "PAKN Case Deadline"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='CASCADE')
    stage = fields.Many2One(
        'pakn.sla.stage', "Stage", required=True, readonly=True,
        ondelete='RESTRICT')
    role = fields.Selection(ROLES, "Responsible", readonly=True)
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT')
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    start = fields.DateTime("Start", required=True, readonly=True)
    due = fields.DateTime("Due", required=True, readonly=True)
    remind_at = fields.DateTime("Remind at", readonly=True)
    reminded = fields.Boolean("Reminded", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    closed_at = fields.DateTime("Closed at", readonly=True)
    claim = fields.Char(
        "Claim", readonly=True,
        help="The token of the sweep that last changed the row.")
    condition = fields.Function(fields.Selection([
                (None, ""),
                ('on_time', "On Time"),
                ('due_soon', "Due within a Day"),
                ('overdue', "Overdue"),
                ], "Condition"), 'get_condition')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.update({
                Index(t, (t.ticket, Index.Range())),
                # the sweep reads only what is due among the running rows
                Index(
                    t, (t.due, Index.Range()),
                    where=t.state == 'running'),
                Index(
                    t, (t.remind_at, Index.Range()),
                    where=(t.state == 'running') & (t.reminded == Literal(False))),
                })
        cls._order = [('due', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_state():
        return 'running'

    @staticmethod
    def default_reminded():
        return False

    def get_condition(self, name):
        if self.state == 'missed':
            return 'overdue'
        if self.state != 'running':
            return None
        instant = now()
        if self.due <= instant:
            return 'overdue'
        if self.due - instant <= dt.timedelta(days=1):
            return 'due_soon'
        return 'on_time'

    @classmethod
    def calendar_of(cls, ticket):
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        if ticket.lead_unit:
            return ticket.lead_unit.get_calendar().working_time()
        return Calendar.get_default().working_time()

    @classmethod
    def on_event(cls, tickets, event_type):
        "Meet, cancel and start the deadlines after an event of the cases"
        instant = now()
        stage_event = STAGE_EVENTS.get(event_type)
        with without_check_access():
            running = cls.search([
                    ('ticket', 'in', [t.id for t in tickets]),
                    ('state', '=', 'running'),
                    ])
            met, cancelled = [], []
            for deadline in running:
                if stage_event and deadline.stage.met_event == stage_event:
                    met.append(deadline)
                elif event_type in ENDING_EVENTS:
                    cancelled.append(deadline)
                elif event_type == 'returned':
                    cancelled.append(deadline)
                elif (event_type == 'sent_back'
                        and deadline.stage.met_event == 'approved'
                        and deadline.stage.start_event == 'submitted'):
                    cancelled.append(deadline)
            if met:
                cls.write(met, {'state': 'met', 'closed_at': instant})
            if cancelled:
                cls.write(cancelled, {
                        'state': 'cancelled', 'closed_at': instant})
            if stage_event and event_type not in ENDING_EVENTS:
                cls.start_stages(tickets, stage_event, instant)

    @classmethod
    def start_stages(cls, tickets, stage_event, instant):
        to_create = []
        for ticket in tickets:
            profile = ticket.sla_profile
            if not profile or ticket.state_secret:
                continue
            track = 'urgent' if ticket.urgent else 'normal'
            calendar = cls.calendar_of(ticket)
            for stage in profile.stages_of(track):
                if stage.start_event != stage_event:
                    continue
                start = (ticket.received_at if stage_event == 'received'
                    else instant)
                due = stage.due(start, calendar)
                unit = ticket.lead_unit if stage.role != 'operator' else None
                user = None
                if stage.role == 'focal_point':
                    user = ticket.focal_point
                elif stage.role == 'operator':
                    user = ticket.operator
                to_create.append({
                        'ticket': ticket.id,
                        'stage': stage.id,
                        'role': stage.role,
                        'unit': unit.id if unit else None,
                        'user': user.id if user else None,
                        'start': start,
                        'due': due,
                        'remind_at': (
                            due - dt.timedelta(hours=stage.reminder_before)
                            if stage.reminder_before else None),
                        })
        if to_create:
            cls.create(to_create)

    @classmethod
    def recompute(cls):
        """Recompute the due instants of the running deadlines after a
        change of calendar; met, missed and cancelled ones stay as they
        were, and so do the dates promised by an extension"""
        with without_check_access():
            running = cls.search([('state', '=', 'running')])
            to_write = []
            for deadline in running:
                ticket = deadline.ticket
                if ticket.extensions and deadline.role != 'operator':
                    continue
                due = deadline.stage.due(
                    deadline.start, cls.calendar_of(ticket))
                if due != deadline.due:
                    to_write.extend(([deadline], {'due': due}))
            if to_write:
                cls.write(*to_write)

    @classmethod
    def sweep(cls):
        "Apply the action of every running deadline that is due"
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        instant = now()
        cursor.execute(*table.select(
                table.id,
                where=(table.state == 'running') & (table.due <= instant),
                order_by=[table.due.asc, table.id.asc]))
        ids = [i for i, in cursor]
        cursor.execute(*table.select(
                table.id,
                where=(table.state == 'running')
                & (table.reminded == Literal(False))
                & (table.remind_at <= instant),
                order_by=[table.remind_at.asc, table.id.asc]))
        remind_ids = [i for i, in cursor]
        for i in range(0, len(ids), SWEEP_BATCH):
            batch = ids[i:i + SWEEP_BATCH]
            if i == 0:
                cls.expire(batch)
            else:
                with transaction.set_context(queue_batch=True):
                    cls.__queue__.expire(batch)
        if remind_ids:
            cls.remind(remind_ids)

    @classmethod
    def _claim(cls, ids, values, where):
        """Set values on the rows still matching where; return the ids of
        the rows this call changed: the others were claimed by another
        sweep (or were met meanwhile).

        The rows changed are told by a token written in the same UPDATE, so
        this holds on every backend, with or without UPDATE ... RETURNING,
        whatever the other transactions did between."""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        token = uuid.uuid4().hex
        values = {**values, 'claim': token}
        cursor.execute(*table.update(
                [getattr(table, k) for k in values], list(values.values()),
                where=table.id.in_(ids) & where(table)))
        cursor.execute(*table.select(
                table.id, where=table.id.in_(ids) & (table.claim == token)))
        return [i for i, in cursor]

    @classmethod
    def expire(cls, ids):
        "Mark the deadlines missed and apply their action, once"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        instant = now()
        claimed = cls._claim(
            ids, {'state': 'missed', 'closed_at': instant},
            lambda t: (t.state == 'running') & (t.due <= instant))
        if not claimed:
            return
        with without_check_access():
            deadlines = cls.browse(claimed)
            by_action = {}
            for deadline in deadlines:
                by_action.setdefault(
                    deadline.stage.on_expiry, []).append(deadline)
            for action, group in by_action.items():
                Ticket.deadline_expired(
                    [d.ticket for d in group], action, group)

    @classmethod
    def remind(cls, ids):
        "Remind the responsible of the deadlines, once"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        instant = now()
        claimed = cls._claim(
            ids, {'reminded': True},
            lambda t: (t.state == 'running')
            & Equal(t.reminded, Literal(False)) & (t.remind_at <= instant))
        if not claimed:
            return
        with without_check_access():
            deadlines = cls.browse(claimed)
            for deadline in deadlines:
                Ticket.write_events(
                    [deadline.ticket], 'reminder', deadline.ticket.state,
                    note=deadline.stage.name,
                    unit=deadline.unit.id if deadline.unit else None)


class Extension(IntegrityMixin, ModelSQL, ModelView):
    "Extension (reschedule) of a case's processing, promised to the citizen"
    __name__ = 'pakn.ticket.extension'
    __string__ = "PAKN Extension"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='CASCADE')
    number = fields.Integer("Number", readonly=True)
    user = fields.Many2One(
        'res.user', "Requested by", readonly=True, ondelete='RESTRICT')
    date = fields.DateTime("Date", required=True, readonly=True)
    days = fields.Float("Working Days", required=True, readonly=True)
    reason = fields.Text("Reason", required=True, readonly=True)
    promised = fields.DateTime(
        "Promised Completion", required=True, readonly=True,
        help="The completion date shown to the citizen.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.add(Index(t, (t.ticket, Index.Range())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    deadlines = fields.One2Many(
        'pakn.ticket.deadline', 'ticket', "Deadlines", readonly=True)
    extensions = fields.One2Many(
        'pakn.ticket.extension', 'ticket', "Extensions", readonly=True)
    escalation = fields.Selection([
            (None, ""),
            ('head', "Unit Head"),
            ('office', "Supervising Office"),
            ], "Escalated to", readonly=True)
    overdue = fields.Boolean(
        "Overdue", readonly=True,
        help="A final limit passed while the case waits for its answer.")
    due = fields.Function(
        fields.DateTime("Due"), 'get_due', searcher='search_due')
    deadline_condition = fields.Function(fields.Selection([
                (None, ""),
                ('on_time', "On Time"),
                ('due_soon', "Due within a Day"),
                ('overdue', "Overdue"),
                ], "Deadline"), 'get_deadline_condition')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.escalation, Index.Equality(cardinality='low')),
                where=t.escalation != None))  # noqa: E711
        cls.event_reactions.append((10, 'deadlines_react'))
        cls._buttons.update({
                'extend': {
                    'invisible': ~Eval('state').in_(
                        ['forwarded', 'processing']),
                    'icon': 'tryton-clock',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_overdue():
        return False

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        for name in ['deadlines', 'extensions', 'escalation']:
            default.setdefault(name, None)
        default.setdefault('overdue', False)
        return super().copy(tickets, default=default)

    @classmethod
    def get_due(cls, tickets, name):
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        result = {t.id: None for t in tickets}
        with without_check_access():
            for deadline in Deadline.search([
                        ('ticket', 'in', [t.id for t in tickets]),
                        ('state', '=', 'running'),
                        ], order=[('due', 'DESC')]):
                result[deadline.ticket.id] = deadline.due
        return result

    @classmethod
    def search_due(cls, name, clause):
        _, operator, value = clause
        return [('deadlines', 'where', [
                    ('state', '=', 'running'),
                    ('due', operator, value),
                    ])]

    def get_deadline_condition(self, name):
        if self.overdue:
            return 'overdue'
        conditions = {d.condition for d in self.deadlines
            if d.state in {'running', 'missed'}}
        for condition in ['overdue', 'due_soon', 'on_time']:
            if condition in conditions:
                return condition

    @classmethod
    def _my_queue_domain(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        domain = super()._my_queue_domain()
        user = User(Transaction().user)
        if user.pakn_led_units:
            # the head answers for what the focal point left unanswered
            domain.append([
                    ('escalation', '=', 'head'),
                    ('state', 'in', ['forwarded', 'processing']),
                    ('lead_unit', 'in', list(User.get_pakn_units())),
                    ])
        if ModelData.get_id('pakn_helpdesk', 'group_office') in set(
                User.get_groups()):
            domain.append([
                    ['OR',
                        ('escalation', '=', 'office'),
                        ('overdue', '=', True),
                        ],
                    ('state', 'not in', CLOSED_STATES),
                    ])
        return domain

    @classmethod
    def deadlines_react(cls, tickets, events):
        "Start, meet or cancel the deadlines of the cases on their event"
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        if not events:
            return
        type_ = events[0].type
        if type_ in DELIVERING_EVENTS:
            cls.write(
                [t for t in tickets if t.overdue or t.escalation],
                {'overdue': False})
        Deadline.on_event(tickets, type_)

    @classmethod
    def deadline_expired(cls, tickets, action, deadlines):
        "Apply the action of expired deadlines to their cases"
        tickets = list({t.id: t for t in tickets}.values())
        if action == 'escalate_head':
            cls.write(tickets, {'escalation': 'head'})
            cls.write_events(
                tickets, 'escalated', None,
                note=lambda t: ', '.join(
                    u.name for u in t.lead_unit.leaders)
                if t.lead_unit else None,
                unit=lambda t: t.lead_unit.id if t.lead_unit else None)
        elif action == 'forward_office':
            cls.write(tickets, {'escalation': 'office', 'overdue': True})
            cls.write_events(tickets, 'escalated_office', None)
        elif action == 'mark_overdue':
            cls.write(tickets, {'overdue': True})
            cls.write_events(tickets, 'overdue', None, note=lambda t: (
                    t.sla_profile.overdue_label if t.sla_profile else None))
        else:
            cls.write_events(
                tickets, 'deadline_missed', None, note=lambda t: ', '.join(
                    d.stage.name for d in deadlines if d.ticket == t))

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_extend')
    def extend(cls, tickets):
        pass

    def check_extension(self, days):
        """Check the profile allows an extension of days working days;
        return the promised instant"""
        profile = self.sla_profile
        count = len(self.extensions)
        unit_deadlines = [d for d in self.deadlines
            if d.state == 'running' and d.role != 'operator']
        if not profile or not unit_deadlines:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_nothing_running',
                    ticket=self.rec_name))
        if days <= 0:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_days',
                    ticket=self.rec_name))
        if profile.extension_max is not None and count >= profile.extension_max:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_count',
                    ticket=self.rec_name, count=profile.extension_max,
                    profile=profile.rec_name))
        lengths = profile.get_extension_lengths()
        if lengths and days > lengths[count]:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_length',
                    ticket=self.rec_name, number=count + 1,
                    days=lengths[count], profile=profile.rec_name))
        calendar = Pool().get('pakn.ticket.deadline').calendar_of(self)
        due = max(d.due for d in unit_deadlines)
        promised = calendar.add(max(due, now()), calendar.days(days))
        if profile.extension_cap:
            accepted = [e.date for e in self.events if e.type == 'accepted']
            start = accepted[-1] if accepted else min(
                d.start for d in unit_deadlines)
            cap = calendar.add(start, calendar.days(profile.extension_cap))
            if promised > cap:
                raise ExtensionError(gettext(
                        'pakn_helpdesk.msg_extension_cap',
                        ticket=self.rec_name, cap=profile.extension_cap,
                        profile=profile.rec_name))
        return promised

    @classmethod
    def apply_extension(cls, ticket, days, reason):
        pool = Pool()
        Extension = pool.get('pakn.ticket.extension')
        Deadline = pool.get('pakn.ticket.deadline')
        promised = ticket.check_extension(days)
        profile = ticket.sla_profile
        instant = now()
        with without_check_access():
            Extension.create([{
                        'ticket': ticket.id,
                        'number': len(ticket.extensions) + 1,
                        'user': Transaction().user or None,
                        'date': instant,
                        'days': days,
                        'reason': reason,
                        'promised': promised,
                        }])
            running = [d for d in ticket.deadlines
                if d.state == 'running' and d.role != 'operator']
            remind_at = (
                promised - dt.timedelta(hours=profile.extension_reminder)
                if profile.extension_reminder else None)
            Deadline.write(running, {
                    'due': promised,
                    'remind_at': remind_at,
                    'reminded': False,
                    })
        cls.write_events(
            [ticket], 'extended', ticket.state, note=reason,
            unit=ticket.lead_unit.id if ticket.lead_unit else None,
            content=promised.isoformat(' '))
        return promised


class TicketExtend(Wizard):
    "Extend (reschedule) the processing of a case"
    __name__ = 'pakn.ticket.extend'
    start = StateView(
        'pakn.ticket.extend.start',
        'pakn_helpdesk.ticket_extend_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Extend", 'extend', 'tryton-ok', default=True),
            ])
    extend = StateTransition()

    def default_start(self, fields):
        profile = self.record.sla_profile
        lengths = profile.get_extension_lengths() if profile else []
        count = len(self.record.extensions)
        return {
            'ticket': self.record.id,
            'days': lengths[count] if count < len(lengths) else None,
            }

    def transition_extend(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ticket = self.record
        Ticket._check_unit_role([ticket])
        reason = (self.start.reason or '').strip()
        if not reason:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_reason',
                    ticket=ticket.rec_name))
        Ticket.apply_extension(ticket, self.start.days or 0, reason)
        return 'end'


class TicketExtendStart(ModelView):
    __name__ = 'pakn.ticket.extend.start'
    __string__ = "PAKN Extend"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    days = fields.Float("Working Days", required=True, digits=(3, 1))
    reason = fields.Text("Reason", required=True)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('pakn.ticket.deadline|sweep', "Sweep PAKN Deadlines"))
