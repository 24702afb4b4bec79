# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Working time against hand-computed expectations.

The default calendar: Monday to Friday 07:30-11:30 and 13:00-17:00 in
Asia/Ho_Chi_Minh (UTC+7), Vietnamese public holidays and substituted days
off, 1 working day = 8 working hours. Instants below are local times; the
engine works on naive UTC, as Tryton stores them."""
import datetime as dt
import unittest

from trytond.modules.pakn_helpdesk.working_calendar import WorkingTime
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

H = dt.timedelta(hours=1)
OFFICE = [(7 * 3600 + 1800, 11 * 3600 + 1800), (13 * 3600, 17 * 3600)]


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


# start (local), working duration, expected end (local), why
ADD_CASES = [
    (local(2026, 11, 20, 16, 0), 8 * H, local(2026, 11, 23, 16, 0),
        "a weekend: 1 h on Friday, 7 h on Monday"),
    (local(2026, 2, 13, 10, 0), 8 * H, local(2026, 2, 23, 10, 0),
        "Tết 2026 (16-20 February) then a weekend: 5.5 h, 2.5 h"),
    (local(2026, 8, 28, 15, 0), 8 * H, local(2026, 9, 3, 15, 0),
        "substituted day off on 31 August, then National Day 1-2 September"),
    (local(2026, 8, 21, 16, 0), 8 * H, local(2026, 8, 22, 16, 0),
        "make-up working Saturday 22 August 2026, with a Monday's hours"),
    (local(2026, 4, 24, 15, 0), 8 * H, local(2026, 4, 28, 15, 0),
        "Hùng Kings' day observed on Monday 27 April 2026"),
    (local(2026, 11, 17, 11, 0), 4 * H, local(2026, 11, 17, 16, 30),
        "received at 11:00: half an hour, the lunch break, then 3.5 h"),
    (local(2026, 11, 17, 11, 0), 1 * H, local(2026, 11, 17, 13, 30),
        "received at 11:00: the lunch break is inside the window"),
    (local(2026, 11, 17, 16, 45), 8 * H, local(2026, 11, 18, 16, 45),
        "received at 16:45: a quarter of an hour, then 7.75 h"),
    (local(2026, 11, 17, 22, 0), 8 * H, local(2026, 11, 18, 17, 0),
        "received at 22:00: the count starts at the next opening"),
    (local(2026, 11, 17, 12, 0), 1 * H, local(2026, 11, 17, 14, 0),
        "received during the lunch break"),
    (local(2026, 11, 17, 17, 0), 1 * H, local(2026, 11, 18, 8, 30),
        "received at closing time"),
    (local(2026, 2, 11, 9, 0), 48 * H, local(2026, 2, 26, 9, 0),
        "48 working hours across the week of Tết"),
    (local(2026, 11, 23, 16, 0), 8 * H, local(2026, 11, 25, 16, 0),
        "Vietnam Cultural Day, Tuesday 24 November 2026"),
    (local(2026, 11, 17, 9, 0), dt.timedelta(0), local(2026, 11, 17, 9, 0),
        "nothing to add"),
    ]


class WorkingTimeTestCase(unittest.TestCase):
    "The working time engine, without a database"

    def setUp(self):
        self.calendar = WorkingTime({d: OFFICE for d in range(5)})

    def test_add(self):
        for start, duration, end, why in ADD_CASES:
            with self.subTest(why=why):
                self.assertEqual(self.calendar.add(start, duration), end)

    def test_measure_is_the_inverse_of_add(self):
        for start, duration, end, why in ADD_CASES:
            if start.hour + 7 in {12, 17, 22, 29}:
                # outside office hours: the measure starts at the opening
                continue
            with self.subTest(why=why):
                self.assertEqual(self.calendar.measure(start, end), duration)

    def test_measure(self):
        measure = self.calendar.measure
        self.assertEqual(measure(
                local(2026, 11, 17, 22, 0), local(2026, 11, 18, 9, 0)),
            1.5 * H)
        self.assertEqual(measure(
                local(2026, 2, 13, 10, 0), local(2026, 2, 23, 10, 0)),
            8 * H)
        self.assertEqual(measure(
                local(2026, 11, 18, 9, 0), local(2026, 11, 17, 9, 0)),
            dt.timedelta(0))
        # a whole week of Tết counts for nothing
        self.assertEqual(measure(
                local(2026, 2, 14, 0, 0), local(2026, 2, 23, 0, 0)),
            dt.timedelta(0))

    def test_working_days(self):
        "1 working day is 8 working hours, 0.5 is 4"
        self.assertEqual(self.calendar.days(1), 8 * H)
        self.assertEqual(self.calendar.days(0.5), 4 * H)
        self.assertEqual(self.calendar.add(
                local(2026, 11, 17, 16, 45), self.calendar.days(0.5)),
            local(2026, 11, 18, 11, 15))

    def test_exceptions(self):
        "A local day off and a local make-up Saturday"
        calendar = WorkingTime(
            {d: OFFICE for d in range(5)},
            days_off={dt.date(2026, 11, 25)},
            extra_days={dt.date(2026, 11, 28): OFFICE})
        self.assertEqual(calendar.add(local(2026, 11, 23, 16, 0), 8 * H),
            local(2026, 11, 26, 16, 0))
        self.assertEqual(calendar.add(local(2026, 11, 27, 16, 0), 8 * H),
            local(2026, 11, 28, 16, 0))

    def test_negative_refused(self):
        with self.assertRaises(ValueError):
            self.calendar.add(local(2026, 11, 17, 9, 0), -H)


class CalendarTestCase(ModuleTestCase):
    "The working calendars as records"
    module = 'pakn_helpdesk'

    @with_transaction()
    def test_province_calendar(self):
        "The province calendar shipped as data counts like the engine"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        calendar = Calendar.get_default()
        self.assertEqual(len(calendar.hours), 10)
        working_time = calendar.working_time()
        for start, duration, end, why in ADD_CASES:
            with self.subTest(why=why):
                self.assertEqual(working_time.add(start, duration), end)

    @with_transaction()
    def test_exceptions_and_changes(self):
        "Exceptions both ways; a changed calendar counts anew"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Exception_ = pool.get('pakn.calendar.exception')
        calendar = Calendar.get_default()
        start = local(2026, 11, 27, 16, 0)
        self.assertEqual(calendar.working_time().add(start, 8 * H),
            local(2026, 11, 30, 16, 0))
        Exception_.create([{
                    'calendar': calendar.id, 'date': dt.date(2026, 11, 28),
                    'kind': 'working', 'hours_of': '0',
                    'name': "Làm bù",
                    }, {
                    'calendar': calendar.id, 'date': dt.date(2026, 11, 30),
                    'kind': 'off', 'name': "Nghỉ bù",
                    }])
        calendar = Calendar(calendar.id)
        self.assertEqual(calendar.working_time().add(start, 8 * H),
            local(2026, 11, 28, 16, 0))
        self.assertEqual(calendar.working_time().add(start, 16 * H),
            local(2026, 12, 1, 16, 0))

    @with_transaction()
    def test_unit_calendar(self):
        "A unit works with its own calendar, its parent's or the province's"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Unit = pool.get('pakn.unit')
        province = Calendar.get_default()
        saturday, = Calendar.create([{
                    'name': "Bộ phận một cửa",
                    'hours': [('create', [{
                                    'weekday': str(d),
                                    'start': dt.time(7, 30),
                                    'end': dt.time(11, 30),
                                    } for d in range(6)])],
                    }])
        district, = Unit.create([{
                    'name': "Huyện", 'code': 'H', 'kind': 'district',
                    'calendar': saturday.id,
                    }])
        commune, other = Unit.create([{
                    'name': "Xã", 'code': 'X', 'kind': 'commune',
                    'parent': district.id,
                    }, {
                    'name': "Sở", 'code': 'S', 'kind': 'department',
                    }])
        self.assertEqual(commune.get_calendar(), saturday)
        self.assertEqual(other.get_calendar(), province)

    @with_transaction()
    def test_bad_calendar_refused(self):
        "An unknown timezone or hours that close before opening are refused"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        from trytond.exceptions import UserError
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'timezone': 'Mars/Olympus'}])
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'country': 'XX'}])
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'hours': [('create', [{
                                    'weekday': '0', 'start': dt.time(17),
                                    'end': dt.time(8)}])]}])


del ModuleTestCase
