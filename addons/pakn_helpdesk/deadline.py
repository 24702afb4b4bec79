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

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import now
from .exceptions import ExtensionError, TicketWorkflowError
from .lifecycle import (
    CLOSED_STATES,
    DELIVERING_EVENTS,
    ENDING_EVENTS,
    OPEN_STATES,
    STAGE_EVENTS,
)
from .model import IntegrityMixin
from .sla import (
    DURATION_UNITS,
    EXPIRY_ACTIONS,
    ROLES,
    add_duration,
    remaining_duration,
)

STATES = [
    ('running', "Running"),
    ('paused', "Paused"),
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
    # What the due is counted from, so that a calendar change can count it
    # again: count_from + length in length_unit (after a pause, a restart
    # or an extension they are those of the new count)
    count_from = fields.DateTime("Counted from", readonly=True)
    # no digits: what is left of a count at a pause is any fraction
    length = fields.Float("Length", readonly=True)
    length_unit = fields.Selection(
        DURATION_UNITS, "Length Unit", readonly=True)
    first_due = fields.DateTime(
        "First Due", readonly=True,
        help="The due instant before any extension.")
    action = fields.Selection(
        EXPIRY_ACTIONS, "On Expiry", readonly=True,
        help="What happens when the deadline passes unmet.")
    final = fields.Boolean(
        "Final Limit", readonly=True,
        help="Missing it makes the case late (trễ hạn).")
    remind_before = fields.Float(
        "Reminder before (hours)", digits=(4, 2), readonly=True)
    met_at = fields.DateTime(
        "Met at", readonly=True,
        help="When the step was done, even after its due instant.")
    late = fields.Boolean(
        "Late", readonly=True,
        help="The step was done after its due instant or its due instant "
        "passed first; it stays late.")
    paused_at = fields.DateTime("Paused at", readonly=True)
    pauses = fields.One2Many(
        'pakn.ticket.deadline.pause', 'deadline', "Pauses", readonly=True)
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
                    where=(t.state == 'running')
                    & (t.reminded == Literal(False))),
                })
        cls._order = [('due', 'ASC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module_name):
        pool = Pool()
        Stage = pool.get('pakn.sla.stage')
        Extension = pool.get('pakn.ticket.extension')
        TableHandler = backend.TableHandler
        migrate = (TableHandler.table_exist(cls._table)
            and not cls.__table_handler__(module_name).column_exist(
                'count_from'))
        super().__register__(module_name)
        if not migrate:
            return
        # Rows written before the ledger: they count from their start for
        # the stage's duration; a missed row was late
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        stage = Stage.__table__()

        def of_stage(column):
            return stage.select(column, where=stage.id == table.stage)
        cursor.execute(*table.update(
                [table.count_from, table.length, table.length_unit,
                    table.first_due, table.action, table.final,
                    table.remind_before, table.late],
                [table.start, of_stage(stage.duration),
                    of_stage(stage.duration_unit), table.due,
                    of_stage(stage.on_expiry), of_stage(stage.final),
                    of_stage(stage.reminder_before),
                    table.state == 'missed']))
        cursor.execute(*table.update(
                [table.met_at], [table.closed_at],
                where=table.state == 'met'))
        cursor.execute(*table.update(
                [table.late], [Literal(True)],
                where=(table.state == 'met') & (table.closed_at > table.due)))
        # a due an earlier extension promised is kept as it is
        extension = Extension.__table__()
        if not TableHandler.table_exist(Extension._table):
            return
        cursor.execute(*table.update(
                [table.count_from, table.length, table.length_unit],
                [table.due, Literal(0), Literal('hour')],
                where=(table.state == 'running')
                & table.ticket.in_(extension.select(extension.ticket))))

    @staticmethod
    def default_state():
        return 'running'

    @staticmethod
    def default_reminded():
        return False

    @staticmethod
    def default_late():
        return False

    @staticmethod
    def default_final():
        return False

    def compute_due(self, calendar):
        """Return the due instant of the current count on the calendar (a
        WorkingTime) and the reminder instant"""
        due = add_duration(
            self.count_from, self.length, self.length_unit, calendar)
        remind_at = (due - dt.timedelta(hours=self.remind_before)
            if self.remind_before else None)
        return due, remind_at

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
        """Meet, cancel, pause, resume, reopen and start the deadlines
        after an event of the cases, as their stages say"""
        pool = Pool()
        Pause = pool.get('pakn.ticket.deadline.pause')
        instant = now()
        stage_event = STAGE_EVENTS.get(event_type)
        ending = event_type in ENDING_EVENTS
        with without_check_access():
            # the rows the event may change: the running and paused ones;
            # the missed ones it meets late; the met ones it reopens
            concerned = [('state', 'in', ['running', 'paused'])]
            if stage_event:
                concerned += [
                    [('state', '=', 'missed'), ('met_at', '=', None),
                        ['OR',
                            ('stage.met_event', '=', stage_event),
                            ('stage.also_met_by', 'in', [stage_event]),
                            ]],
                    [('state', '=', 'met'),
                        ('stage.reopen_event', '=', stage_event)],
                    ]
            rows = cls.search([
                    ('ticket', 'in', [t.id for t in tickets]),
                    ['OR', *concerned],
                    ])
            to_write, pauses, resumed, ended = [], [], [], []
            for row in rows:
                stage = row.stage
                values = {}
                if stage.is_met_by(stage_event) and row.met_at is None:
                    values['met_at'] = instant
                    if row.state == 'running':
                        values.update(state='met', closed_at=instant)
                        if instant > row.due:
                            values['late'] = True
                    elif row.state == 'paused':
                        values.update(state='met', closed_at=instant)
                elif row.state == 'met':
                    if stage_event and stage.reopen_event == stage_event:
                        # the step is to be done again, by the same limit
                        # (a lateness already recorded stays)
                        values.update(
                            state='running', met_at=None, closed_at=None)
                elif row.state not in {'running', 'paused'}:
                    pass
                elif ending or event_type == 'returned':
                    values.update(state='cancelled', closed_at=instant)
                elif (stage_event == 'sent_back'
                        and stage.start_event == 'submitted'):
                    # what it counted from was undone
                    values.update(state='cancelled', closed_at=instant)
                elif (row.state == 'running' and stage_event
                        and stage.pause_event == stage_event
                        and instant >= row.due):
                    # the step was missed before the file went back: late
                    # now, expired by the sweep, never restarted
                    values['late'] = True
                elif (row.state == 'running' and stage_event
                        and stage.pause_event == stage_event):
                    length, unit = remaining_duration(
                        instant, row.due, row.length_unit,
                        cls.calendar_of(row.ticket))
                    values.update(
                        state='paused', paused_at=instant,
                        length=length, length_unit=unit)
                    pauses.append({'deadline': row.id, 'start': instant})
                elif (row.state == 'paused' and stage_event
                        and stage.resume_event == stage_event):
                    restart = stage.resume_mode == 'restart'
                    values.update(state='running', paused_at=None,
                        count_from=instant, reminded=False)
                    if restart:
                        values.update(
                            length=stage.duration,
                            length_unit=stage.duration_unit)
                    resumed.append((row, restart))
                if values:
                    to_write.extend(([row], values))
                    if row.state == 'paused' and values.get('state') in {
                            'met', 'cancelled'}:
                        ended.append(row)
            if to_write:
                cls.write(*to_write)
            if pauses:
                Pause.create(pauses)
            if resumed or ended:
                ids = [r.id for r, _ in resumed] + [r.id for r in ended]
                open_pauses = Pause.search([
                        ('deadline', 'in', ids),
                        ('end', '=', None),
                        ])
                restarted = {r.id for r, restart in resumed if restart}
                for pause in open_pauses:
                    pause.end = instant
                    pause.restarted = pause.deadline.id in restarted
                Pause.save(open_pauses)
                if resumed:
                    cls.count_again([r for r, _ in resumed])
            if stage_event and not ending:
                cls.start_stages(tickets, stage_event, instant)

    @classmethod
    def count_again(cls, deadlines):
        "Write the due and reminder instants of the deadlines' counts"
        to_write = []
        for deadline in cls.browse(deadlines):
            due, remind_at = deadline.compute_due(
                cls.calendar_of(deadline.ticket))
            to_write.extend(([deadline], {
                        'due': due, 'remind_at': remind_at}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def start_stages(cls, tickets, stage_event, instant):
        """Start the stages of the cases' profiles that start at the
        event; a stage started by an escalation counts from when the
        escalation was due (context pakn_stage_start: case id → instant),
        not from when the sweep ran"""
        starts = Transaction().context.get('pakn_stage_start') or {}
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
                if stage_event == 'received':
                    start = ticket.received_at
                else:
                    start = starts.get(ticket.id) or instant
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
                        'count_from': start,
                        'length': stage.duration,
                        'length_unit': stage.duration_unit,
                        'due': due,
                        'first_due': due,
                        'action': stage.on_expiry,
                        'final': stage.final,
                        'remind_before': stage.reminder_before,
                        'remind_at': (
                            due - dt.timedelta(hours=stage.reminder_before)
                            if stage.reminder_before else None),
                        })
        if to_create:
            cls.create(to_create)

    @classmethod
    def recompute(cls, deadlines=None):
        """Count again the due and reminder instants of the deadlines still
        running, on their calendar as it is now (in a queued task, for
        each batch of the deadlines of a changed calendar: see
        Calendar.recompute_deadlines); paused, met, missed and cancelled
        ones stay as they were. A reminder moved to the future is due
        again. Without deadlines: queue that for every running one."""
        from sql.functions import CurrentTimestamp

        from trytond.transaction import inactive_records
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Ticket = pool.get('pakn.ticket')
        if deadlines is None:
            with inactive_records():
                Calendar.queue_recompute(Calendar.search([]))
            return
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        ticket = Ticket.__table__()
        rows = []
        for sub_ids in grouped_slice(
                list(map(int, deadlines)), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.join(
                    ticket, condition=table.ticket == ticket.id).select(
                    table.id, ticket.lead_unit,
                    table.count_from, table.length,
                    table.length_unit, table.remind_before,
                    table.due, table.remind_at, table.reminded,
                    where=reduce_ids(table.id, sub_ids)
                    & (table.state == 'running')))
            rows.extend(cursor)
        instant = now()
        # the calendar of each case as calendar_of tells it, for them all
        calendar_of, default_id = Calendar.calendars_of_units()
        calendars, changes = {}, []
        # (every row has its count: start_stages writes it, __register__
        # filled it in the rows written before it)
        for (id_, unit_id, count_from, length, length_unit, remind_before,
                due, remind_at, reminded) in rows:
            calendar_id = calendar_of.get(unit_id, default_id)
            if calendar_id not in calendars:
                calendars[calendar_id] = Calendar(
                    calendar_id).working_time()
            new_due, new_remind_at = cls(
                id_, count_from=count_from, length=length,
                length_unit=length_unit, remind_before=remind_before,
                ).compute_due(calendars[calendar_id])
            new_reminded = bool(reminded) and not (
                new_remind_at and new_remind_at > instant)
            if (new_due, new_remind_at, new_reminded) != (
                    due, remind_at, bool(reminded)):
                changes.append((new_due, new_remind_at, new_reminded, id_))
        if not changes:
            return
        # One statement for the batch; the rows that left the state
        # running meanwhile are left as they are
        values = [object() for _ in range(4)]
        query = table.update(
            [table.due, table.remind_at, table.reminded, table.write_uid,
                table.write_date],
            values[:3] + [transaction.user, CurrentTimestamp()],
            where=(table.id == values[3]) & (table.state == 'running'))
        sql, params = tuple(query)
        slots = {id(v): i for i, v in enumerate(values)}
        cursor.executemany(sql, [
                [c[slots[id(p)]] if id(p) in slots else p for p in params]
                for c in changes])
        # drop what the transaction's caches hold of the rows
        transaction.counter += 1
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                for change in changes:
                    cache[cls.__name__].pop(change[-1], None)

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
    def _claim_and_apply(cls, ids, values, where, apply):
        """Claim the rows (see _claim) and call apply with the deadlines
        this call claimed, as the server: the sweep's own step"""
        claimed = cls._claim(ids, values, where)
        if claimed:
            with without_check_access():
                apply(cls.browse(claimed))

    @classmethod
    def expire(cls, ids):
        "Mark the deadlines missed and apply their action, once"
        instant = now()
        cls._claim_and_apply(
            ids, {'state': 'missed', 'closed_at': instant, 'late': True},
            lambda t: (t.state == 'running') & (t.due <= instant),
            cls._apply_actions)

    @classmethod
    def _apply_actions(cls, deadlines):
        "Apply the action of the missed deadlines, those of an action at once"
        Ticket = Pool().get('pakn.ticket')
        for action in dict.fromkeys(d.action for d in deadlines):
            group = [d for d in deadlines if d.action == action]
            Ticket.deadline_expired([d.ticket for d in group], action, group)

    @classmethod
    def remind(cls, ids):
        "Remind the responsible of the deadlines, once"
        instant = now()
        cls._claim_and_apply(
            ids, {'reminded': True},
            lambda t: (t.state == 'running')
            & Equal(t.reminded, Literal(False)) & (t.remind_at <= instant),
            cls._send_reminders)

    @classmethod
    def _send_reminders(cls, deadlines):
        "Write the reminder of each deadline in the history of its case"
        Ticket = Pool().get('pakn.ticket')
        for deadline in deadlines:
            Ticket.write_events(
                [deadline.ticket], 'reminder', deadline.ticket.state,
                note=deadline.stage.name,
                unit=deadline.unit.id if deadline.unit else None)


class DeadlinePause(IntegrityMixin, ModelSQL, ModelView):
    "A time a deadline's clock stood still: the file was with the submitter"
    __name__ = 'pakn.ticket.deadline.pause'
    __string__ = "PAKN Deadline Pause"

    deadline = fields.Many2One(
        'pakn.ticket.deadline', "Deadline", required=True, readonly=True,
        ondelete='CASCADE')
    start = fields.DateTime("From", required=True, readonly=True)
    end = fields.DateTime("To", readonly=True)
    restarted = fields.Boolean(
        "Restarted", readonly=True,
        help="The count started again in full after the pause (else it "
        "resumed with what was left).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('deadline')
        cls._sql_indexes.add(Index(t, (t.deadline, Index.Range())))
        cls._order = [('start', 'ASC'), ('id', 'ASC')]


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
    deadline = fields.Many2One(
        'pakn.ticket.deadline', "Extended Deadline", readonly=True,
        ondelete='RESTRICT')
    previous_due = fields.DateTime("Previous Due", readonly=True)

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
    late = fields.Function(fields.Boolean(
            "Late",
            help="A final limit of the case passed before its step was "
            "done: the case stays late, answered or not."),
        'get_late', searcher='search_late')
    complex = fields.Boolean(
        "Complex Case", readonly=True,
        help="The case involves several sectors, fields or units.")
    delay_reason = fields.Text(
        "Reason for the Delay", readonly=True,
        help="Why a late case handled by several units has no result yet; "
        "reported to the office and shown to the submitter.")
    delay_reason_needed = fields.Function(
        fields.Boolean("Reason for the Delay Needed"),
        'get_delay_reason_needed')
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
                'check_intake': {
                    'invisible': (Eval('state') != 'received')
                    | ~Eval('urgent'),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'urgent'],
                    },
                'record_fix': {
                    'invisible': ~Eval('state').in_(
                        ['forwarded', 'processing']) | ~Eval('urgent'),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'urgent'],
                    },
                'report_office': {
                    'invisible': ~Eval('state').in_(OPEN_STATES)
                    | ~Eval('urgent'),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'urgent'],
                    },
                'explain_delay': {
                    'invisible': ~Eval('delay_reason_needed'),
                    'icon': 'tryton-comment',
                    'depends': ['delay_reason_needed'],
                    },
                })

    @staticmethod
    def default_overdue():
        return False

    @staticmethod
    def default_complex():
        return False

    @classmethod
    def _late_query(cls, ticket_ids=None):
        """The query of the cases (ticket ids) that are late: a row of a
        final limit of theirs is late; among ticket_ids when given"""
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        deadline = Deadline.__table__()
        where = ((deadline.final == Literal(True))
            & (deadline.late == Literal(True)))
        if ticket_ids is not None:
            where &= reduce_ids(deadline.ticket, ticket_ids)
        return deadline.select(
            deadline.ticket, where=where, group_by=[deadline.ticket])

    @classmethod
    def get_late(cls, tickets, name):
        cursor = Transaction().connection.cursor()
        result = {t.id: False for t in tickets}
        ids = [t.id for t in tickets]
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*cls._late_query(sub_ids))
            for ticket_id, in cursor:
                result[ticket_id] = True
        return result

    @classmethod
    def search_late(cls, name, clause):
        _, operator, value = clause
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', cls._late_query())]

    def get_delay_reason_needed(self, name):
        profile = self.sla_profile
        return bool(profile and profile.delay_reason_required
            and self.state in OPEN_STATES and self.coordinating_units
            and self.overdue and not self.delay_reason)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        for name in ['deadlines', 'extensions', 'escalation',
                'delay_reason']:
            default.setdefault(name, None)
        default.setdefault('overdue', False)
        default.setdefault('complex', False)
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
        if self.state in CLOSED_STATES:
            return None
        if self.overdue:
            return 'overdue'
        conditions = {d.condition for d in self.deadlines
            if d.state == 'running'
            or (d.state == 'missed' and not d.met_at)}
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
        if type_ in DELIVERING_EVENTS or type_ == 'returned':
            # no longer waiting (answered, or for another unit, which
            # starts afresh); the lateness stays in the ledger
            cls.write(
                [t for t in tickets if t.overdue or t.escalation],
                {'overdue': False, 'escalation': None})
        Deadline.on_event(tickets, type_)

    @classmethod
    def deadline_expired(cls, tickets, action, deadlines):
        "Apply the action of expired deadlines to their cases"
        tickets = list({t.id: t for t in tickets}.values())
        if action == 'escalate_head':
            # the head's stages count from when the escalation was due
            starts = {d.ticket.id: d.due for d in deadlines}
            cls.write(tickets, {'escalation': 'head'})
            with Transaction().set_context(pakn_stage_start=starts):
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
            asked = [t for t in tickets if t.sla_profile
                and t.sla_profile.delay_reason_required
                and t.coordinating_units and not t.delay_reason]
            if asked:
                cls.write_events(
                    asked, 'deadline_missed', None,
                    note=gettext('pakn_helpdesk.msg_delay_reason_asked'),
                    unit=lambda t: t.lead_unit.id if t.lead_unit else None)
        else:
            cls.write_events(
                tickets, 'deadline_missed', None, note=lambda t: ', '.join(
                    d.stage.name for d in deadlines if d.ticket == t))

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_extend')
    def extend(cls, tickets):
        pass

    def extension_target(self):
        "Return the running deadline an extension of the case extends"
        profile = self.sla_profile
        if profile and profile.extension_stage:
            for deadline in reversed(self.deadlines):
                if (deadline.state == 'running'
                        and deadline.stage.code == profile.extension_stage):
                    return deadline
        raise ExtensionError(gettext(
                'pakn_helpdesk.msg_extension_nothing_running',
                ticket=self.rec_name))

    def check_extension(self, days, complex_=False):
        """Check the profile allows an extension of days working days;
        return the extended deadline, the instant counted from and the
        promised instant"""
        profile = self.sla_profile
        target = self.extension_target()
        # the extensions of this unit's handling (a unit the case was
        # returned by used its own)
        count = len([e for e in self.extensions
                if not e.deadline or e.deadline.unit == target.unit])
        if days <= 0:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_days',
                    ticket=self.rec_name))
        if profile.extension_requires_complex and not (
                self.complex or complex_):
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_complex',
                    ticket=self.rec_name, profile=profile.rec_name))
        if (profile.extension_max is not None
                and count >= profile.extension_max):
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_count',
                    ticket=self.rec_name, count=profile.extension_max,
                    profile=profile.rec_name))
        lengths = profile.get_extension_lengths()
        if lengths and count >= len(lengths):
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_count',
                    ticket=self.rec_name, count=len(lengths),
                    profile=profile.rec_name))
        if lengths and days > lengths[count]:
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_length',
                    ticket=self.rec_name, number=count + 1,
                    days=lengths[count], profile=profile.rec_name))
        if (profile.extension_length_max
                and days > profile.extension_length_max):
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_length_max',
                    ticket=self.rec_name, days=profile.extension_length_max,
                    profile=profile.rec_name))
        calendar = Pool().get('pakn.ticket.deadline').calendar_of(self)
        instant = now()
        base = {
            'now': instant,
            'due': target.due,
            'start': target.start,
            }[profile.extension_from or 'now']
        promised = calendar.add(base, calendar.days(days))
        if promised <= max(target.due, instant):
            raise ExtensionError(gettext(
                    'pakn_helpdesk.msg_extension_not_later',
                    ticket=self.rec_name))
        if profile.extension_cap:
            cap = calendar.add(
                target.start, calendar.days(profile.extension_cap))
            if promised > cap:
                raise ExtensionError(gettext(
                        'pakn_helpdesk.msg_extension_cap',
                        ticket=self.rec_name, cap=profile.extension_cap,
                        profile=profile.rec_name))
        if profile.extension_cap_stage:
            limits = [d.due for d in self.deadlines
                if d.stage.code == profile.extension_cap_stage
                and d.state in {'running', 'missed'}]
            if limits and promised > min(limits):
                raise ExtensionError(gettext(
                        'pakn_helpdesk.msg_extension_cap_stage',
                        ticket=self.rec_name, profile=profile.rec_name))
        return target, base, promised

    @classmethod
    def apply_extension(cls, ticket, days, reason, complex_=False):
        """Extend the deadline the profile names by days working days,
        counted from where the profile says; the other deadlines run on"""
        pool = Pool()
        Extension = pool.get('pakn.ticket.extension')
        Deadline = pool.get('pakn.ticket.deadline')
        target, base, promised = ticket.check_extension(
            days, complex_=complex_)
        profile = ticket.sla_profile
        instant = now()
        with without_check_access():
            if complex_ and not ticket.complex:
                cls.write([ticket], {'complex': True})
            Extension.create([{
                        'ticket': ticket.id,
                        'number': len(ticket.extensions) + 1,
                        'user': Transaction().user or None,
                        'date': instant,
                        'days': days,
                        'reason': reason,
                        'promised': promised,
                        'deadline': target.id,
                        'previous_due': target.due,
                        }])
            values = {
                'count_from': base,
                'length': days,
                'length_unit': 'working_day',
                'due': promised,
                'reminded': False,
                }
            if profile.extension_reminder:
                values['remind_before'] = profile.extension_reminder
                values['remind_at'] = promised - dt.timedelta(
                    hours=profile.extension_reminder)
            elif target.remind_before:
                values['remind_at'] = promised - dt.timedelta(
                    hours=target.remind_before)
            if profile.extension_on_expiry:
                values['action'] = profile.extension_on_expiry
                if profile.extension_on_expiry == 'mark_overdue':
                    # its end is the case's final limit (GL2021 Đ11 k4)
                    values['final'] = True
            Deadline.write([target], values)
        cls.write_events(
            [ticket], 'extended', ticket.state, note=reason,
            unit=ticket.lead_unit.id if ticket.lead_unit else None,
            content=promised.isoformat(' '))
        return promised

    # The steps of the urgent tracks and of late multi-unit cases

    @classmethod
    @ModelView.button
    @Workflow.transition('forwarded')
    def forward(cls, tickets):
        # Forwarding a file not yet checked checks it at the same instant:
        # the steps whose deadlines wait for the check are done then
        unchecked = [t for t in tickets if any(
                d.state in {'running', 'missed'} and d.met_at is None
                and d.stage.is_met_by('checked') for d in t.deadlines)]
        if unchecked:
            cls.write_events(unchecked, 'intake_checked', 'received')
        super().forward(tickets)

    @classmethod
    @ModelView.button
    def check_intake(cls, tickets):
        "The hotline checked the file of an urgent case (KH2022 Đ10 b1)"
        tickets = [t for t in tickets
            if t.state == 'received' and t.urgent
            and not any(e.type == 'intake_checked' for e in t.events
                if e.date >= t.received_at)]
        if tickets:
            cls.write_events(tickets, 'intake_checked', 'received')

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_record_fix')
    def record_fix(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    def report_office(cls, tickets):
        "The hotline sent the urgent case's summary to the office"
        cls._refuse_if(
            tickets, lambda t: t.state not in OPEN_STATES or not t.urgent,
            'msg_ticket_not_urgent')
        cls.write_events(tickets, 'office_reported', None)

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_explain_delay')
    def explain_delay(cls, tickets):
        pass


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
            'complex_required': bool(
                profile and profile.extension_requires_complex
                and not self.record.complex),
            'complex': self.record.complex,
            }

    def transition_extend(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ticket = self.record
        Ticket._check_unit_role([ticket])
        reason = ticket.require_text(
            self.start.reason, 'msg_extension_reason', ExtensionError)
        Ticket.apply_extension(
            ticket, self.start.days or 0, reason,
            complex_=bool(self.start.complex))
        return 'end'


class TicketExtendStart(ModelView):
    __name__ = 'pakn.ticket.extend.start'
    __string__ = "PAKN Extend"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    days = fields.Float("Working Days", required=True, digits=(3, 1))
    complex_required = fields.Boolean("Complex Case Required", readonly=True)
    complex = fields.Boolean(
        "Complex Case",
        states={'invisible': ~Eval('complex_required')},
        help="The case involves several sectors, fields or units; say why "
        "in the reason.")
    reason = fields.Text("Reason", required=True)


class TicketStepText(ModelView):
    "The text of a step: a temporary fix, the reason for a delay"
    __name__ = 'pakn.ticket.step_text'
    __string__ = "PAKN Step Text"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    text = fields.Text("Text", required=True)


class _TicketStepWizard(Wizard):
    start = StateView(
        'pakn.ticket.step_text',
        'pakn_helpdesk.ticket_step_text_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Save", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        return {'ticket': self.record.id}

    def _text(self):
        return self.record.require_text(
            self.start.text, 'msg_ticket_step_text_required')


class TicketRecordFix(_TicketStepWizard):
    """Record the temporary fix of an urgent case (KH2022 Đ10 b3): its own
    step, shown to the submitter"""
    __name__ = 'pakn.ticket.record_fix'

    def transition_apply(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ticket = self.record
        if ticket.state not in {'forwarded', 'processing'} or (
                not ticket.urgent):
            raise TicketWorkflowError(gettext(
                    'pakn_helpdesk.msg_ticket_not_urgent',
                    ticket=ticket.rec_name))
        Ticket._check_unit_role([ticket])
        text = self._text()
        Ticket.write_events(
            [ticket], 'temporary_fix', None, content=text,
            unit=ticket.lead_unit.id if ticket.lead_unit else None)
        return 'end'


class TicketExplainDelay(_TicketStepWizard):
    """The lead unit's reason why a late multi-unit case has no result
    (KH2022 Đ3 k5): reported to the office, shown to the submitter"""
    __name__ = 'pakn.ticket.explain_delay'

    def transition_apply(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ticket = self.record
        if not ticket.delay_reason_needed:
            raise TicketWorkflowError(gettext(
                    'pakn_helpdesk.msg_ticket_delay_reason_not_needed',
                    ticket=ticket.rec_name))
        Ticket._check_unit_role([ticket])
        text = self._text()
        with without_check_access():
            Ticket.write([ticket], {'delay_reason': text})
        Ticket.write_events(
            [ticket], 'delay_explained', None, content=text,
            unit=ticket.lead_unit.id if ticket.lead_unit else None)
        return 'end'


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('pakn.ticket.deadline|sweep', "Sweep PAKN Deadlines"))
