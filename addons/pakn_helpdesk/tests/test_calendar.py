# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Working time against hand-computed expectations.

The default calendar: Monday to Friday 07:30-11:30 and 13:00-17:00 in
Asia/Ho_Chi_Minh (UTC+7), Vietnamese public holidays and substituted days
off, 1 working day = 8 working hours. Instants below are local times; the
engine works on naive UTC, as Tryton stores them."""
import datetime as dt
import threading
import time
import unittest
from contextlib import contextmanager
from unittest.mock import patch

import holidays

from trytond.exceptions import UserError
from trytond.modules.pakn_helpdesk import working_calendar
from trytond.modules.pakn_helpdesk.tests.vietnamese import load_vietnamese
from trytond.modules.pakn_helpdesk.working_calendar import WorkingTime
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

H = dt.timedelta(hours=1)
OFFICE = [(7 * 3600 + 1800, 11 * 3600 + 1800), (13 * 3600, 17 * 3600)]


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


# Monday 16 November 2026, 09:00 in Vietnam
T0 = local(2026, 11, 16, 9, 0)


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

    def test_threads_see_the_holidays(self):
        "Threads asking at once for a day of Tết of a new year: all see it"
        # Monday 8 February 2027, the third day of Tết
        tet = dt.date(2027, 2, 8)
        self.assertIn(tet, holidays.country_holidays('VN', years=2027))
        country_holidays = holidays.country_holidays

        def slow(*args, **kwargs):
            # a slow load widens the window between the year and its days
            time.sleep(0.2)
            return country_holidays(*args, **kwargs)

        count = 32
        barrier = threading.Barrier(count)
        calendar = WorkingTime({d: OFFICE for d in range(5)})
        # Friday 29 January 2027 16:00; Tết then keeps 4-10 February off
        start = local(2027, 1, 29, 16, 0)
        results = []

        def ask(i):
            barrier.wait()
            if i % 2:
                results.append(calendar.hours(tet))
            else:
                results.append(calendar.add(start, 48 * H))

        with patch.object(holidays, 'country_holidays', slow):
            threads = [threading.Thread(target=ask, args=(i,))
                for i in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(len(results), count)
        self.assertEqual(
            [r for r in results if not isinstance(r, dt.datetime)],
            [()] * (count // 2))
        self.assertEqual(
            [r for r in results if isinstance(r, dt.datetime)],
            [local(2027, 2, 15, 16, 0)] * (count // 2))
        # nothing computed before the holidays were known was kept
        self.assertEqual(calendar.hours(tet), ())


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
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'timezone': 'Mars/Olympus'}])
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'country': 'XX'}])
        with self.assertRaises(UserError):
            Calendar.create([{'name': "X", 'hours': [('create', [{
                                    'weekday': '0', 'start': dt.time(17),
                                    'end': dt.time(8)}])]}])

    @contextmanager
    def refused(self, *parts):
        """Expect the change refused, with parts in its message, and undo
        it as the rollback of its request would"""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute('SAVEPOINT refused')
        deleted = {k: set(v) for k, v in transaction.delete_records.items()}
        try:
            with self.assertRaises(UserError) as cm:
                yield
            for part in parts:
                self.assertIn(part, cm.exception.message)
        finally:
            cursor.execute('ROLLBACK TO SAVEPOINT refused')
            transaction.delete_records.clear()
            transaction.delete_records.update(deleted)
            transaction.counter += 1
            for cache in transaction.cache.values():
                cache.clear()

    @with_transaction()
    def test_overlapping_hours_refused(self):
        "Office hours that overlap on a weekday are refused"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Hours = pool.get('pakn.calendar.hours')

        def hours(*spans, weekday='0'):
            return [('create', [{
                            'weekday': weekday, 'start': dt.time(*s),
                            'end': dt.time(*e)} for s, e in spans])]
        with self.refused(
                "07:30-11:30 and 11:00-12:00", '"X"', "overlap on Monday"):
            Calendar.create([{'name': "X", 'hours': hours(
                            ((7, 30), (11, 30)), ((11, 0), (12, 0)))}])
        with self.refused("07:00-17:00 and 08:00-09:00"):
            Calendar.create([{'name': "X", 'hours': hours(
                            ((7, 0), (17, 0)), ((8, 0), (9, 0)),
                            ((10, 0), (11, 0)))}])
        # one after the other, or on other days, they are not
        Calendar.create([{'name': "X", 'hours': hours(
                        ((7, 30), (11, 30)), ((11, 30), (12, 0)))
                    + hours(((11, 0), (12, 0)), weekday='1')}])
        # nor can a line be added or changed over another
        province = Calendar.get_default()
        with self.refused("13:00-17:00 and 16:00-18:00", "Wednesday"):
            Hours.create([{
                        'calendar': province.id, 'weekday': '2',
                        'start': dt.time(16), 'end': dt.time(18)}])
        monday = [l for l in province.hours if l.weekday == '0']
        with self.refused("07:30-13:30 and 13:00-17:00"):
            Hours.write(monday[:1], {'end': dt.time(13, 30)})
        with self.refused("07:30-11:30 and 11:00-17:00"):
            Calendar.write([province], {'hours': [
                        ('write', [monday[1].id], {'start': dt.time(11)})]})
        # in Vietnamese
        load_vietnamese()
        with Transaction().set_context(language='vi'), \
                self.refused("chồng lên nhau vào Thứ Hai"):
            Hours.write(monday[:1], {'end': dt.time(13, 30)})
        self.assertEqual(len(Calendar(province.id).hours), 10)

    @with_transaction()
    def test_calendar_without_hours_refused(self):
        "A calendar keeps office hours on at least one day"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Hours = pool.get('pakn.calendar.hours')
        # the default: Monday to Friday
        calendar, = Calendar.create([{'name': "Mặc định"}])
        self.assertEqual(len(calendar.hours), 10)
        with self.refused('"Trống" must have office hours'):
            Calendar.create([{'name': "Trống", 'hours': []}])
        province = Calendar.get_default()
        lines = list(province.hours)
        with self.refused('"%s" must have office hours' % province.name):
            Hours.delete(lines)
        with self.refused('must have office hours'):
            Calendar.write([province], {
                    'hours': [('delete', [l.id for l in lines])]})
        with self.refused('must have office hours'):
            Hours.write(lines, {'calendar': calendar.id})
        self.assertEqual(len(Calendar(province.id).hours), 10)
        # some may go; all may be replaced in one change
        Hours.delete(lines[:2])
        Calendar.write([province], {'hours': [
                    ('delete', [l.id for l in lines[2:]]),
                    ('create', [{'weekday': '5', 'start': dt.time(8),
                                'end': dt.time(12)}]),
                    ]})
        self.assertEqual(
            [(l.weekday, l.span) for l in Calendar(province.id).hours],
            [('5', '08:00-12:00')])
        # a calendar deleted goes with its hours
        Calendar.delete([calendar])

    def setup_cases(self):
        """Cases received an hour apart under DN2017 and forwarded to a
        unit counting on the province calendar (its head's stage with a
        reminder), and one to a unit with a calendar of its own"""
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Configuration = pool.get('pakn.configuration')
        ModelData = pool.get('ir.model.data')
        Profile = pool.get('pakn.sla.profile')
        Stage = pool.get('pakn.sla.stage')
        Ticket = pool.get('pakn.ticket')
        Unit = pool.get('pakn.unit')
        # a copy of the preset (the presets are the articles), its head's
        # stage with a reminder
        preset, = Profile.search([('code', '=', 'DN2017')])
        profile, = Profile.copy([preset], default={'code': 'DN2017-R'})
        config = Configuration(1)
        config.sla_profile = profile
        config.save()
        head, = Stage.search([
                ('profile', '=', profile.id),
                ('code', '=', 'head_response')])
        Stage.write([head], {'reminder_before': 4})
        own, = Calendar.create([{'name': "Bộ phận một cửa", 'hours': [
                        ('create', [{'weekday': str(d),
                                    'start': dt.time(7),
                                    'end': dt.time(11)}
                                for d in range(6)])]}])
        self.unit, other = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    }, {
                    'name': "UBND huyện", 'code': 'H', 'kind': 'district',
                    'calendar': own.id,
                    }])
        commune, = Unit.create([{
                    'name': "UBND xã", 'code': 'X', 'kind': 'commune',
                    'parent': other.id,
                    }])
        tickets = []
        for i, unit in enumerate([self.unit] * 6 + [commune]):
            instant = T0 + dt.timedelta(hours=i)
            with self.at(instant):
                ticket, = Ticket.create([{
                            'channel': ModelData.get_id(
                                'pakn_helpdesk', 'channel_web'),
                            'received_at': instant,
                            'submitter_name': "Nguyễn Văn An",
                            'submitter_phone': '0912345678',
                            'submitter_address': "1 Lê Lợi",
                            'content': "Nội dung phản ánh %s" % i,
                            'lead_unit': unit.id,
                            }])
                Ticket.forward([ticket])
            tickets.append(ticket)
        return tickets, own

    def at(self, instant):
        return Transaction().set_context(pakn_now=instant)

    def run_queue(self):
        "Run the queued tasks, as trytond does after the commit"
        pool = Pool()
        Queue = pool.get('ir.queue')
        transaction = Transaction()
        count = 0
        while transaction.tasks:
            Queue(transaction.tasks.pop()).run()
            count += 1
        return count

    def counted(self, calendar):
        "Each running deadline of calendar: (due, remind_at) and afresh"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Deadline = pool.get('pakn.ticket.deadline')
        # a calendar built afresh from the records
        Calendar._working_time.clear()
        working_time = Calendar(calendar.id).working_time()
        stored, fresh = {}, {}
        for deadline in Deadline.search([('state', '=', 'running')]):
            if deadline.ticket.lead_unit.get_calendar() != calendar:
                continue
            stage = deadline.stage
            due = stage.due(deadline.count_from, working_time)
            stored[deadline.id] = (deadline.due, deadline.remind_at)
            fresh[deadline.id] = (due, due - dt.timedelta(hours=4)
                if stage.reminder_before else None)
        return stored, fresh

    @with_transaction()
    def test_changes_recompute_running_deadlines(self):
        """Adding, changing and deleting a day off or office hours counts
        the running deadlines of the calendar again, in queued tasks"""
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Deadline = pool.get('pakn.ticket.deadline')
        Exception_ = pool.get('pakn.calendar.exception')
        Hours = pool.get('pakn.calendar.hours')
        Queue = pool.get('ir.queue')
        Unit = pool.get('pakn.unit')
        tickets, own = self.setup_cases()
        self.run_queue()
        province = Calendar.get_default()
        first, fresh = self.counted(province)
        self.assertEqual(len(first), 12)
        self.assertEqual(first, fresh)
        self.assertEqual(len([r for _, r in first.values() if r]), 6)
        other = {d.id: d.due for d in Deadline.search([
                    ('ticket', '=', tickets[-1].id)])}
        self.assertEqual(len(other), 2)
        # a paused deadline keeps its count; a reminder sent is sent again
        # when it moves to the future
        paused, reminded = Deadline.search([
                ('ticket', '=', tickets[0].id)], order=[('id', 'ASC')])
        self.assertTrue(reminded.remind_at)
        Deadline.write([paused], {'state': 'paused'})
        Deadline.write([reminded], {'reminded': True})
        del first[paused.id]

        with self.at(T0), \
                patch.object(working_calendar, 'RECOMPUTE_BATCH', 4):
            day_off, = Exception_.create([{
                        'calendar': province.id,
                        'date': dt.date(2026, 11, 20), 'kind': 'off',
                        'name': "Nghỉ đột xuất"}])
            # the request only queues the recount
            self.assertEqual(self.counted(province)[0], first)
            self.assertEqual(Queue.search([
                        ('dequeued_at', '=', None)], count=True), 1)
            # one task finds the deadlines, one for each batch of 4
            self.assertEqual(self.run_queue(), 1 + 3)
        stored, fresh = self.counted(province)
        self.assertEqual(stored, fresh)
        self.assertNotEqual(stored, first)
        self.assertEqual(Deadline(paused.id).due, paused.due)
        self.assertFalse(Deadline(reminded.id).reminded)
        self.assertEqual({d.id: d.due for d in Deadline.search([
                        ('ticket', '=', tickets[-1].id)])}, other)

        # deleted: the recount sees it gone
        with self.at(T0):
            Exception_.delete([day_off])
            self.run_queue()
        stored, fresh = self.counted(province)
        self.assertEqual(stored, fresh)
        self.assertEqual(stored, first)

        # written, and office hours created then deleted
        with self.at(T0):
            day_off, = Exception_.create([{
                        'calendar': province.id,
                        'date': dt.date(2026, 11, 18), 'kind': 'off'}])
            self.run_queue()
            Exception_.write([day_off], {'date': dt.date(2026, 11, 19)})
            self.assertEqual(self.run_queue(), 2)
        stored, fresh = self.counted(province)
        self.assertEqual(stored, fresh)
        self.assertNotEqual(stored, first)
        with self.at(T0):
            Exception_.delete([day_off])
            saturday, = Hours.create([{
                        'calendar': province.id, 'weekday': '5',
                        'start': dt.time(7, 30), 'end': dt.time(11, 30)}])
            Calendar.write([province], {'day_length': 7})
            # one recount for the edits of a request
            self.assertEqual(self.run_queue(), 2)
        stored, fresh = self.counted(province)
        self.assertEqual(stored, fresh)
        self.assertNotEqual(stored, first)
        with self.at(T0):
            Hours.delete([saturday])
            Calendar.write([province], {'day_length': 8})
            self.run_queue()
        stored, fresh = self.counted(province)
        self.assertEqual(stored, first)

        # the unit's own calendar counts its deadlines only
        with self.at(T0):
            Exception_.create([{
                        'calendar': own.id,
                        'date': dt.date(2026, 11, 17), 'kind': 'off'}])
            self.assertEqual(
                Calendar.running_deadlines([own]), sorted(other))
            self.run_queue()
        stored, fresh = self.counted(own)
        self.assertEqual(stored, fresh)
        self.assertNotEqual({i: d for i, (d, _) in stored.items()}, other)
        self.assertEqual(self.counted(province)[0], first)

        # a unit given another calendar: its deadlines count on it
        with self.at(T0):
            Unit.write([self.unit], {'calendar': own.id})
            self.run_queue()
        stored, fresh = self.counted(own)
        self.assertEqual(len(stored), 2 + 11)
        self.assertEqual(stored, fresh)

del ModuleTestCase
