# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Working calendars: office hours, public holidays and exceptions.

Two operations, both on naive UTC datetimes as Tryton stores them:
- add(start, duration): the instant when `duration` of working time has
  passed since `start`; time outside office hours does not count, so a case
  received at night starts counting at the next opening;
- measure(start, end): the working time between two instants.

A working day is converted at the calendar's day length: with the default
office hours (07:30-11:30 and 13:00-17:00) one working day is 8 working hours
and 0.5 working day is 4 working hours, wherever the count starts: a case
received at 16:45 with 1 working day is due at 16:45 on the next working day.
"""
import datetime as dt
import threading
from weakref import WeakKeyDictionary

import holidays
from sql import Literal, Null

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import (
    Transaction,
    inactive_records,
    without_check_access,
)

from .common import DEFAULT_TIMEZONE, UTC, zone
from .exceptions import CalendarValidationError
from .model import IntegrityMixin

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
DAY = dt.timedelta(days=1)
# The running deadlines a queued task counts again after a calendar change
RECOMPUTE_BATCH = 1000
# Per transaction: calendar id → the queued task that recomputes its
# deadlines, so that the edits of one request queue it once
_queued = WeakKeyDictionary()
# Per transaction: how many writes of calendars are under way (their
# validation checks the office hours they keep; see _CalendarLine)
_writing = WeakKeyDictionary()


class WorkingTime:
    """The working time of a calendar, independent of the database.

    weekly maps a weekday (0 = Monday) to its office hours as sorted
    (start, end) seconds since midnight; days_off are dates without office
    hours; extra_days maps dates that are worked although the week or the
    holidays say otherwise to their office hours."""

    def __init__(self, weekly, timezone=DEFAULT_TIMEZONE, country='VN',
            days_off=(), extra_days=None, day_length=8 * 3600):
        self.weekly = {d: tuple(sorted(h)) for d, h in weekly.items()}
        self.tz = zone(timezone)
        self.country = country
        self.days_off = set(days_off)
        self.extra_days = dict(extra_days or {})
        self.day_length = day_length
        # The engine of a calendar is cached and shared by the threads of
        # the server: the holidays of a year are loaded once under the
        # lock, into new sets published before the year is marked loaded;
        # a day's hours are computed (and kept) only after its year's
        # holidays are known.
        self._days = {}
        self._years = frozenset()
        self._holidays = frozenset()
        self._make_up_days = frozenset()
        self._lock = threading.Lock()

    def _load_year(self, year):
        with self._lock:
            if year in self._years:
                return
            if self.country:
                country = holidays.country_holidays(
                    self.country, years=year)
                self._holidays = self._holidays | frozenset(
                    d for d in country if d.year == year)
                self._make_up_days = self._make_up_days | frozenset(
                    d for d in getattr(country, 'weekend_workdays', ())
                    if d.year == year)
            # last: whoever sees the year sees its holidays
            self._years = self._years | {year}

    def hours(self, date):
        "Return the office hours of the date as (start, end) seconds"
        try:
            return self._days[date]
        except KeyError:
            pass
        if date.year not in self._years:
            self._load_year(date.year)
        if date in self.extra_days:
            hours = self.extra_days[date]
        elif date in self.days_off or date in self._holidays:
            hours = ()
        elif date in self._make_up_days:
            # a Saturday worked instead of a day off: the hours of a Monday
            hours = self.weekly.get(0, ())
        else:
            hours = self.weekly.get(date.weekday(), ())
        self._days[date] = hours = tuple(hours)
        return hours

    # _local and _utc are common.to_local and to_utc on the calendar's zone
    # kept inline: every count of a deadline runs them

    def _local(self, instant):
        "The local date of the naive UTC instant and its seconds in the day"
        local = instant.replace(tzinfo=UTC).astimezone(self.tz)
        return local.date(), (
            local.hour * 3600 + local.minute * 60 + local.second
            + local.microsecond / 1e6)

    def _utc(self, date, seconds):
        "The naive UTC instant of the seconds in the local date"
        local = dt.datetime.combine(date, dt.time(), tzinfo=self.tz)
        local += dt.timedelta(seconds=seconds)
        return local.astimezone(UTC).replace(tzinfo=None)

    def add(self, start, duration):
        """Return the naive UTC instant when duration (a timedelta of
        working time) has passed since start"""
        remaining = duration.total_seconds()
        if remaining < 0:
            raise ValueError("negative working duration")
        date, now = self._local(start)
        if not remaining:
            return start
        for _ in range(3660):
            for begin, end in self.hours(date):
                if now >= end:
                    continue
                if now < begin:
                    now = begin
                available = end - now
                if remaining <= available:
                    return self._utc(date, now + remaining)
                remaining -= available
                now = end
            date += DAY
            now = 0
        raise ValueError("no office hours within ten years")

    def measure(self, start, end):
        "Return the working time between two naive UTC instants"
        if end <= start:
            return dt.timedelta(0)
        date, now = self._local(start)
        last_date, last = self._local(end)
        total = 0.
        while date <= last_date:
            limit = last if date == last_date else 24 * 3600
            for begin, finish in self.hours(date):
                begin, finish = max(begin, now), min(finish, limit)
                if finish > begin:
                    total += finish - begin
            date += DAY
            now = 0
        return dt.timedelta(seconds=total)

    def days(self, days):
        "Convert a number of working days to working time"
        return dt.timedelta(seconds=days * self.day_length)


def _seconds(time):
    "Seconds since midnight of a time of day"
    return time.hour * 3600 + time.minute * 60 + time.second


class Calendar(IntegrityMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pakn.calendar'
    __string__ = "PAKN Working Calendar"

    name = fields.Char("Name", required=True)
    timezone = fields.Char("Timezone", required=True)
    country = fields.Char(
        "Holidays of", strip=True,
        help="The country code whose public holidays and substituted days "
        "off are not worked (VN); empty for none.")
    hours = fields.One2Many(
        'pakn.calendar.hours', 'calendar', "Office Hours")
    exceptions = fields.One2Many(
        'pakn.calendar.exception', 'calendar', "Exceptions",
        help="Days off decided locally, and make-up working days.")
    day_length = fields.Float(
        "Working Day (hours)", required=True, digits=(2, 2),
        help="The working hours a working day counts for: with the default "
        "office hours, 1 working day is 8 working hours and 0.5 working day "
        "4 working hours.")

    @staticmethod
    def default_timezone():
        return DEFAULT_TIMEZONE

    @staticmethod
    def default_country():
        return 'VN'

    @staticmethod
    def default_day_length():
        return 8.

    @staticmethod
    def default_hours():
        return [{
                'weekday': str(day), 'start': start, 'end': end,
                } for day in range(5)
            for start, end in [
                (dt.time(7, 30), dt.time(11, 30)),
                (dt.time(13, 0), dt.time(17, 0))]]

    @classmethod
    def write(cls, *args):
        transaction = Transaction()
        _writing[transaction] = _writing.get(transaction, 0) + 1
        try:
            super().write(*args)
        finally:
            _writing[transaction] -= 1

    @classmethod
    def validate_fields(cls, calendars, field_names):
        super().validate_fields(calendars, field_names)
        # the module's data (loaded in the context of their module) create
        # a calendar, then its hours one by one
        loading = bool(Transaction().context.get('module'))
        if field_names is None or 'hours' in field_names:
            cls.check_office_hours(calendars, empty=loading)
        for calendar in calendars:
            try:
                zone(calendar.timezone)
            except Exception:
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_timezone',
                        timezone=calendar.timezone))
            if (calendar.country and calendar.country
                    not in holidays.list_supported_countries()):
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_country',
                        country=calendar.country))

    @classmethod
    def check_office_hours(cls, calendars, empty=False):
        """Refuse a calendar without office hours (unless empty: nothing
        would ever be counted on it) or with hours that overlap on a
        weekday"""
        for calendar in calendars:
            lines = sorted(
                calendar.hours, key=lambda l: (l.weekday, l.start, l.end))
            if not lines and not empty:
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_no_hours',
                        calendar=calendar.rec_name))
            # sorted by start, an overlap shows between neighbours
            for previous, line in zip(lines, lines[1:]):
                if (line.weekday == previous.weekday
                        and line.start < previous.end):
                    raise CalendarValidationError(gettext(
                            'pakn_helpdesk.msg_calendar_hours_overlap',
                            calendar=calendar.rec_name,
                            weekday=line.weekday_string,
                            first=previous.span, second=line.span))

    _working_time = Cache('pakn_calendar.working_time', context=False)

    def working_time(self):
        "Return the WorkingTime of the calendar, built once per change"
        engine = self._working_time.get(self.id)
        if engine is None:
            weekly = {}
            for line in self.hours:
                weekly.setdefault(int(line.weekday), []).append(
                    (_seconds(line.start), _seconds(line.end)))
            days_off, extra = set(), {}
            for exception in self.exceptions:
                if exception.kind == 'off':
                    days_off.add(exception.date)
                else:
                    extra[exception.date] = tuple(sorted(
                            (_seconds(l.start), _seconds(l.end))
                            for l in self.hours
                            if l.weekday == exception.hours_of))
            engine = WorkingTime(
                weekly, timezone=self.timezone, country=self.country,
                days_off=days_off, extra_days=extra,
                day_length=round(self.day_length * 3600))
            self._working_time.set(self.id, engine)
        return engine

    @classmethod
    def on_modification(cls, mode, calendars, field_names=None):
        super().on_modification(mode, calendars, field_names=field_names)
        cls._working_time.clear()
        # A new calendar counts no deadline yet, and one in use cannot be
        # deleted (units and the configuration restrict it); the office
        # hours and exceptions queue their own recount (_CalendarLine)
        if mode == 'write' and field_names & {
                'timezone', 'country', 'day_length'}:
            cls.queue_recompute(calendars)

    @classmethod
    def queue_recompute(cls, calendars):
        """Queue the recount of the running deadlines counted on the
        calendars; the task runs once the change is committed, by a
        trytond-worker or, without one, in the requesting process after
        its answer is ready (see recompute_deadlines)"""
        pool = Pool()
        Queue = pool.get('ir.queue')
        transaction = Transaction()
        cls._working_time.clear()
        if transaction.context.get('module'):
            # the module's data, loaded when no case exists yet
            return
        ids = {int(c) for c in calendars}
        queued = _queued.setdefault(transaction, {})
        pending = {c: t for c, t in queued.items() if c in ids}
        if pending:
            # still to run (not rolled back, not run by a test meanwhile)
            with inactive_records(), without_check_access():
                tasks = {t.id for t in Queue.search([
                            ('id', 'in', list(set(pending.values()))),
                            ('dequeued_at', '=', None),
                            ])}
            ids -= {c for c, t in pending.items() if t in tasks}
        if ids:
            task_id, = cls.__queue__.recompute_deadlines(sorted(ids))
            queued.update(dict.fromkeys(ids, task_id))

    @classmethod
    def recompute_deadlines(cls, calendars, deadline_ids=None):
        """Count again the deadlines (ids) after a change of the calendars;
        without deadlines, queue that for the running deadlines counted on
        the calendars, one task for each RECOMPUTE_BATCH of them.

        Both are queued tasks: the request that changed a calendar only
        queues the second, whatever the number of deadlines. The ids are
        an argument of the task (its records are the calendars): the
        queue would browse its records twice, at a cost that grows with
        the square of their number."""
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        if deadline_ids is not None:
            Deadline.recompute(deadline_ids)
            return
        ids = cls.running_deadlines(calendars)
        for sub_ids in grouped_slice(ids, RECOMPUTE_BATCH):
            cls.__queue__.recompute_deadlines(calendars, list(sub_ids))

    @classmethod
    def calendars_of_units(cls):
        """Return the id of the calendar of each unit (by id) and that of
        the calendar of the province, for the cases without a unit: as
        Unit.get_calendar and Deadline.calendar_of tell them, for all the
        units at once"""
        pool = Pool()
        Unit = pool.get('pakn.unit')
        cursor = Transaction().connection.cursor()
        default = cls.get_default()
        default_id = default.id if default else None
        unit = Unit.__table__()
        cursor.execute(*unit.select(unit.id, unit.parent, unit.calendar))
        units = {i: (p, c) for i, p, c in cursor}
        calendar_of = {}
        for unit_id in units:
            path, calendar_id = [], None
            while unit_id is not None and unit_id not in path:
                if unit_id in calendar_of:
                    calendar_id = calendar_of[unit_id]
                    break
                path.append(unit_id)
                unit_id, calendar_id = units.get(unit_id, (None, None))
                if calendar_id:
                    break
            for unit_id in path:
                calendar_of[unit_id] = calendar_id or default_id
        return calendar_of, default_id

    @classmethod
    def running_deadlines(cls, calendars):
        """Return the ids of the running deadlines counted on the calendars
        (that of their case's lead unit, see Deadline.calendar_of)"""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Deadline = pool.get('pakn.ticket.deadline')
        cursor = Transaction().connection.cursor()
        calendar_ids = {int(c) for c in calendars}
        calendar_of, default_id = cls.calendars_of_units()
        unit_ids = [u for u, c in calendar_of.items() if c in calendar_ids]
        without_unit = default_id in calendar_ids

        deadline = Deadline.__table__()
        ticket = Ticket.__table__()
        where = deadline.state == 'running'
        if len(unit_ids) == len(calendar_of) and without_unit:
            query = deadline.select(
                deadline.id, where=where, order_by=[deadline.id.asc])
        elif unit_ids or without_unit:
            counted = (reduce_ids(ticket.lead_unit, unit_ids)
                if unit_ids else Literal(False))
            if without_unit:
                counted |= ticket.lead_unit == Null
            query = deadline.join(
                ticket, condition=deadline.ticket == ticket.id
                ).select(
                    deadline.id, where=where & counted,
                    order_by=[deadline.id.asc])
        else:
            return []
        cursor.execute(*query)
        return [i for i, in cursor]

    @classmethod
    def get_default(cls):
        "Return the calendar of the province"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        return Configuration(1).calendar


class _CalendarLine(IntegrityMixin, ModelSQL):
    """A part of a calendar: changing it changes the calendar's counts.

    The running deadlines of the calendar are counted again by queued
    tasks once the change is stored (a deleted line is gone then)."""

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        super().on_modification(mode, lines, field_names=field_names)
        Calendar._working_time.clear()
        if mode != 'delete':
            Calendar.queue_recompute({l.calendar.id for l in lines})

    @classmethod
    def on_write(cls, lines, values):
        callbacks = super().on_write(lines, values)
        if 'calendar' in values:
            # the calendars the lines leave
            calendar_ids = {l.calendar.id for l in lines}
            callbacks.append(lambda: cls._lines_left(calendar_ids))
        return callbacks

    @classmethod
    def on_delete(cls, lines):
        callbacks = super().on_delete(lines)
        calendar_ids = {l.calendar.id for l in lines}
        callbacks.append(lambda: cls._lines_left(calendar_ids))
        return callbacks

    @classmethod
    def _lines_left(cls, calendar_ids):
        "Lines have left the calendars (deleted or moved): count again"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        # not those deleted with their lines
        calendar_ids = calendar_ids - Transaction().delete_records.get(
            Calendar.__name__, set())
        if calendar_ids:
            Calendar.queue_recompute(calendar_ids)


class CalendarHours(_CalendarLine, ModelSQL, ModelView):
    __name__ = 'pakn.calendar.hours'
    __string__ = "PAKN Office Hours"

    calendar = fields.Many2One(
        'pakn.calendar', "Calendar", required=True, ondelete='CASCADE')
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True, sort=False)
    start = fields.Time("From", required=True, format='%H:%M')
    end = fields.Time("To", required=True, format='%H:%M')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.calendar, Index.Range())))
        cls._order = [('weekday', 'ASC'), ('start', 'ASC'), ('id', 'ASC')]

    weekday_string = weekday.translated('weekday')

    @property
    def span(self):
        return '%s-%s' % (
            self.start.strftime('%H:%M'), self.end.strftime('%H:%M'))

    @classmethod
    def validate_fields(cls, lines, field_names):
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.start >= line.end:
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_hours',
                        calendar=line.calendar.rec_name))
        Calendar.check_office_hours(
            Calendar.browse({l.calendar.id for l in lines}))

    @classmethod
    def on_write(cls, lines, values):
        callbacks = super().on_write(lines, values)
        if 'calendar' in values:
            cls._check_hours_left(
                [l for l in lines if l.calendar.id != values['calendar']])
        return callbacks

    @classmethod
    def on_delete(cls, lines):
        callbacks = super().on_delete(lines)
        cls._check_hours_left(lines)
        return callbacks

    @classmethod
    def _check_hours_left(cls, lines):
        """Refuse to take the lines out of their calendars (before it is
        done) if one would keep no office hours"""
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        transaction = Transaction()
        if not lines or _writing.get(transaction):
            # a write of the calendar checks the hours it keeps once done
            return
        deleted = transaction.delete_records.get(Calendar.__name__, set())
        ids = {l.id for l in lines}
        for calendar in {l.calendar for l in lines}:
            if calendar.id in deleted:
                continue
            if all(l.id in ids for l in calendar.hours):
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_no_hours',
                        calendar=calendar.rec_name))


class CalendarException(_CalendarLine, ModelSQL, ModelView):
    __name__ = 'pakn.calendar.exception'
    __string__ = "PAKN Calendar Exception"

    calendar = fields.Many2One(
        'pakn.calendar', "Calendar", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('off', "Day Off"),
            ('working', "Working Day"),
            ], "Kind", required=True)
    hours_of = fields.Selection(
        WEEKDAYS, "With the Hours of", sort=False,
        states={
            'invisible': Eval('kind') != 'working',
            'required': Eval('kind') == 'working',
            },
        help="The weekday whose office hours apply on this working day.")
    name = fields.Char("Reason")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('date_unique', Unique(t, t.calendar, t.date),
                'pakn_helpdesk.msg_calendar_exception_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_kind():
        return 'off'


    @staticmethod
    def default_hours_of():
        return '0'
