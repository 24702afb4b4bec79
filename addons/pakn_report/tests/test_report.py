# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The report engine on a small province built through the workflow with
a controlled clock: the figures of November 2026 checked cell by cell."""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.ledger import timeliness
from trytond.modules.pakn_report.report import (
    COUNTS,
    figures,
    late_cases,
    period_bounds,
    received,
    roll_up,
    unit_tree,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .tools import (
    CONSTRUCTION,
    HEALTH,
    NOVEMBER,
    QUARTER_CONSTRUCTION,
    QUARTER_HEALTH,
    QUARTER_TOTAL,
    TOTAL,
    YEAR_CONSTRUCTION,
    YEAR_CONSTRUCTION_FIELD,
    YEAR_HEALTH,
    YEAR_TOTAL,
    ProvinceMixin,
    local,
)


class ReportTestCase(ProvinceMixin, ModuleTestCase):
    "Report engine"
    module = 'pakn_report'

    @with_transaction()
    def test_november_by_unit(self):
        "November by unit and in total, cell by cell"
        self.setup_world()
        self.build()
        due = {d.stage.code: d.due
            for d in self.cases['due_soon'].deadlines
            if d.state == 'running'}
        self.assertEqual(due['head_response'], local(2026, 12, 1, 9, 0))
        self.assertEqual(figures(*NOVEMBER, 'unit'), {
                self.construction.id: self.expected(CONSTRUCTION),
                self.health.id: self.expected(HEALTH),
                })
        self.assertEqual(
            figures(*NOVEMBER), {None: self.expected(TOTAL)})
        # the parts make the cases to handle
        total = figures(*NOVEMBER)[None]
        self.assertEqual(total['to_handle'], sum(total[n] for n in [
                    'open_not_due', 'open_due_soon', 'open_late',
                    'done_on_time', 'done_late', 'rejected', 'duplicate']))
        # every case came through the web
        channel, = figures(*NOVEMBER, 'channel').values()
        self.assertEqual(channel, self.expected(TOTAL))
        # without field
        self.assertEqual(
            figures(*NOVEMBER, 'field'), {None: self.expected(TOTAL)})

    @with_transaction()
    def test_quarter_and_year(self):
        "The fourth quarter and the year 2026, cell by cell"
        self.setup_world()
        self.build_year()
        day = dt.date(2026, 11, 18)
        for kind, construction, health, total in [
                ('quarter', QUARTER_CONSTRUCTION, QUARTER_HEALTH,
                    QUARTER_TOTAL),
                ('year', YEAR_CONSTRUCTION, YEAR_HEALTH, YEAR_TOTAL),
                ]:
            period = period_bounds(kind, day)
            self.assertEqual(figures(*period, 'unit'), {
                    self.construction.id: self.expected(construction),
                    self.health.id: self.expected(health),
                    }, kind)
            self.assertEqual(
                figures(*period), {None: self.expected(total)}, kind)
        # the cases received by month in one query: the figures' count
        months = [period_bounds('month', dt.date(2026, m, 1))
            for m in range(1, 13)]
        for units in [None, [self.health.id], []]:
            self.assertEqual(received(months, units), [
                    figures(*m, units=units).get(None, {}).get('received', 0)
                    for m in months])
        self.assertEqual(received(months)[2:12:1], [
                1, 0, 0, 0, 0, 0, 1, 4, 9, 1])
        # November is unchanged by the cases before and after it
        self.assertEqual(
            figures(*NOVEMBER), {None: self.expected(TOTAL)})
        cases = self.cases
        self.assertEqual(
            [r['id'] for r in late_cases(*period_bounds('quarter', day))],
            [cases[k].id for k in [
                    'open_late', 'carried_late', 'late', 'due_soon',
                    'not_due', 'december']])
        # by unit and field at once: the March case has a field
        without_field = [a - b for a, b in zip(
                YEAR_CONSTRUCTION, YEAR_CONSTRUCTION_FIELD)]
        # the eight cases timed: 1, 1, 1, 1, 1, 8, 16 days without field
        without_field[-1] = 16.
        self.assertEqual(
            figures(*period_bounds('year', day), ('unit', 'field')), {
                (self.construction.id, self.field.id): self.expected(
                    YEAR_CONSTRUCTION_FIELD),
                (self.construction.id, None): self.expected(without_field),
                (self.health.id, None): self.expected(YEAR_HEALTH),
                })

    @with_transaction()
    def test_handling_time(self):
        """The handling time: measured at the answer, never at a
        rejection, kept when the case goes on, measured again at
        activation, refused to clients"""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        self.build()
        cases = self.cases
        self.assertEqual(
            {k: cases[k].handling_time for k in [
                    'carried', 'late', 'carried_late', 'rejected',
                    'duplicate', 'open_late']},
            {'carried': 1., 'late': 16., 'carried_late': 19.,
                'rejected': None, 'duplicate': None, 'open_late': None})
        # the cases ended before the module: measured at its activation
        table = Ticket.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.handling_time], [None],
                where=table.id.in_([cases['late'].id, cases['carried'].id])))
        Ticket.fill_handling_times()
        self.assertEqual(
            [Ticket(cases[k].id).handling_time for k in ['late', 'carried']],
            [16., 1.])
        for value in [0., 99., None]:
            with self.assertRaises(AccessError):
                Ticket.check_client_write(
                    [Ticket(cases['late'].id)], {'handling_time': value})

    @with_transaction()
    def test_late_rate_is_the_ledger(self):
        "The late rate is the ledger's, by unit and in total"
        self.setup_world()
        self.build()
        october = (local(2026, 10, 1), NOVEMBER[0])
        for period in [NOVEMBER, october, (october[0], NOVEMBER[1])]:
            for group_by, column in [
                    (None, None), ('unit', 'lead_unit'),
                    ('category', 'category')]:
                report = figures(*period, group_by)
                self.assertEqual(
                    {g: (v['to_handle'], v['late'])
                        for g, v in report.items() if v['to_handle']},
                    timeliness(*period, group_by=column))

    @with_transaction()
    def test_units(self):
        "A leader's units: their tree, the figures of it only"
        self.setup_world()
        self.build()
        tree = unit_tree([self.construction.id])
        self.assertEqual(tree, {self.construction.id, self.commune.id})
        self.assertEqual(
            figures(*NOVEMBER, units=tree),
            {None: self.expected(CONSTRUCTION)})
        health = figures(*NOVEMBER, units=[self.health.id])
        self.assertEqual(health, {None: self.expected(HEALTH)})
        self.assertEqual(
            figures(*NOVEMBER, 'unit', units=[self.commune.id]), {})
        # a case of the commune, not yet due at the end of November
        self.new_ticket(local(2026, 11, 23, 9, 0), self.commune)
        commune = [0] * len(COUNTS)
        for name in ['received', 'to_handle', 'open_not_due']:
            commune[COUNTS.index(name)] = 1
        construction = [a + b for a, b in zip(CONSTRUCTION, commune)] + (
            CONSTRUCTION[len(COUNTS):])
        by_unit = figures(*NOVEMBER, 'unit')
        self.assertEqual(by_unit[self.commune.id], self.expected(commune))
        self.assertEqual(roll_up(by_unit), {
                self.construction.id: self.expected(construction),
                self.commune.id: self.expected(commune),
                self.health.id: self.expected(HEALTH),
                })
        self.assertEqual(
            figures(*NOVEMBER, units=tree),
            {None: self.expected(construction)})

    @with_transaction()
    def test_late_cases(self):
        "The late cases of November with their limit and reason"
        self.setup_world()
        self.build()
        cases = self.cases
        rows = late_cases(*NOVEMBER)
        self.assertEqual(
            [(r['id'], r['unit'], r['met_at'], r['delay_reason'])
                for r in rows], [
                (cases['open_late'].id, self.construction.id, None,
                    "Chờ ý kiến các sở"),
                (cases['carried_late'].id, self.health.id,
                    local(2026, 11, 25, 9, 0), None),
                (cases['late'].id, self.construction.id,
                    local(2026, 11, 27, 9, 0), None),
                ])
        self.assertTrue(all(r['due'] < NOVEMBER[1] for r in rows))
        self.assertEqual(
            [r['id'] for r in late_cases(*NOVEMBER, units=[self.health.id])],
            [cases['carried_late'].id])

    def test_period_bounds(self):
        "The periods in the local time of the province"
        zone = 'Asia/Ho_Chi_Minh'
        day = dt.date(2026, 11, 18)
        for kind, first, following in [
                ('week', (2026, 11, 16), (2026, 11, 23)),
                ('month', (2026, 11, 1), (2026, 12, 1)),
                ('quarter', (2026, 10, 1), (2027, 1, 1)),
                ('half_year', (2026, 7, 1), (2027, 1, 1)),
                ('year', (2026, 1, 1), (2027, 1, 1)),
                ]:
            self.assertEqual(period_bounds(kind, day, zone),
                (local(*first), local(*following)), kind)
        self.assertEqual(period_bounds('half_year', dt.date(2026, 6, 30),
                zone), (local(2026, 1, 1), local(2026, 7, 1)))


del ModuleTestCase
