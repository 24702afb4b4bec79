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
from zoneinfo import ZoneInfo

import holidays

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval

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
UTC = dt.timezone.utc


class WorkingTime:
    """The working time of a calendar, independent of the database.

    weekly maps a weekday (0 = Monday) to its office hours as sorted
    (start, end) seconds since midnight; days_off are dates without office
    hours; extra_days maps dates that are worked although the week or the
    holidays say otherwise to their office hours."""

    def __init__(self, weekly, timezone='Asia/Ho_Chi_Minh', country='VN',
            days_off=(), extra_days=None, day_length=8 * 3600):
        self.weekly = {d: tuple(sorted(h)) for d, h in weekly.items()}
        self.tz = ZoneInfo(timezone)
        self.country = country
        self.days_off = set(days_off)
        self.extra_days = dict(extra_days or {})
        self.day_length = day_length
        self._days = {}
        self._years = set()
        self._holidays = set()
        self._make_up_days = set()

    def _load_year(self, year):
        self._years.add(year)
        if not self.country:
            return
        country = holidays.country_holidays(self.country, years=year)
        self._holidays.update(country)
        self._make_up_days.update(
            d for d in getattr(country, 'weekend_workdays', ())
            if d.year == year)

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

    def is_working_day(self, date):
        return bool(self.hours(date))

    def _local(self, instant):
        local = instant.replace(tzinfo=UTC).astimezone(self.tz)
        return local.date(), (
            local.hour * 3600 + local.minute * 60 + local.second
            + local.microsecond / 1e6)

    def _utc(self, date, seconds):
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
        return 'Asia/Ho_Chi_Minh'

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
    def validate_fields(cls, calendars, field_names):
        super().validate_fields(calendars, field_names)
        for calendar in calendars:
            try:
                ZoneInfo(calendar.timezone)
            except Exception:
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_timezone',
                        timezone=calendar.timezone))
            if (calendar.country and calendar.country
                    not in holidays.list_supported_countries()):
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_country',
                        country=calendar.country))

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
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        super().on_modification(mode, calendars, field_names=field_names)
        cls._working_time.clear()
        if mode == 'write':
            Deadline.recompute()

    @classmethod
    def get_default(cls):
        "Return the calendar of the province"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        return Configuration(1).calendar


class _CalendarLine(IntegrityMixin, ModelSQL):
    "A part of a calendar: changing it changes the calendar's counts"

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Deadline = pool.get('pakn.ticket.deadline')
        super().on_modification(mode, lines, field_names=field_names)
        Calendar._working_time.clear()
        Deadline.recompute()


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

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.start >= line.end:
                raise CalendarValidationError(gettext(
                        'pakn_helpdesk.msg_calendar_hours',
                        calendar=line.calendar.rec_name))


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
