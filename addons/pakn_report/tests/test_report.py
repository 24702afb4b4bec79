# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The report engine on a small province built through the workflow with
a controlled clock: the figures of November 2026 checked cell by cell."""
import datetime as dt

from trytond.modules.pakn_helpdesk.ledger import timeliness
from trytond.modules.pakn_report.report import (
    COUNTS,
    figures,
    late_cases,
    period_bounds,
    roll_up,
    unit_tree,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


NOVEMBER = (local(2026, 11, 1), local(2026, 12, 1))

# November 2026, per lead unit: the columns of COUNTS
#      received carried to_handle late
#      open: not due, due soon, late; done: on time, late
#      rejected duplicate returned extensions ratings satisfied
CONSTRUCTION = [
    7, 2, 9, 2,
    1, 1, 1, 4, 1,
    1, 0, 0, 1, 2, 1]
HEALTH = [
    2, 1, 3, 1,
    0, 0, 0, 1, 1,
    0, 1, 1, 0, 1, 1]
TOTAL = [
    9, 3, 12, 3,
    1, 1, 1, 5, 2,
    1, 1, 1, 1, 3, 2]


class ReportTestCase(ModuleTestCase):
    "Report engine"
    module = 'pakn_report'

    def at(self, instant):
        return Transaction().set_context(pakn_now=instant)

    def setup_world(self):
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', 'DN2017')])
        config.save()
        self.focal, self.head = User.create([
                {'login': 'focal', 'name': "Cán bộ đầu mối"},
                {'login': 'head', 'name': "Thủ trưởng"},
                ])
        staff = {
            'focal_points': [('add', [self.focal.id])],
            'leaders': [('add', [self.head.id])],
            }
        self.construction, = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department', **staff}])
        self.health, self.commune = Unit.create([{
                    'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                    **staff}, {
                    'name': "UBND xã Tiên Dương", 'code': 'TD',
                    'kind': 'commune', 'parent': self.construction.id,
                    **staff}])

    def new_ticket(self, instant, unit, forward=True):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        with self.at(instant):
            ticket, = Ticket.create([{
                        'channel': ModelData.get_id(
                            'pakn_helpdesk', 'channel_web'),
                        'received_at': instant,
                        'submitter_name': "Nguyễn Văn An",
                        'submitter_phone': '0912345678',
                        'submitter_address': "1 Lê Lợi",
                        'content': "Nội dung phản ánh",
                        'lead_unit': unit.id,
                        }])
            if forward:
                Ticket.forward([ticket])
        return Ticket(ticket.id)

    def deliver(self, ticket, instant):
        "Accept, draft, submit, approve and publish the case at instant"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(instant):
            with Transaction().set_user(self.focal.id):
                if Ticket(ticket.id).state == 'forwarded':
                    Ticket.accept([Ticket(ticket.id)])
                Ticket.write([Ticket(ticket.id)], {'result': "Đã xử lý."})
                Ticket.submit([Ticket(ticket.id)])
            with Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
                Ticket.publish([Ticket(ticket.id)])
        return Ticket(ticket.id)

    def rate(self, ticket, value, instant):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(instant):
            Ticket.rate(Ticket(ticket.id), value, reason="Chậm")

    def sweep(self, instant):
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        with self.at(instant):
            Deadline.sweep()

    def build(self):
        "The cases of the province, their steps in the order of time"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        sxd, syt = self.construction, self.health
        cases = self.cases = {}
        # October: answered and rated before November
        cases['before'] = self.deliver(
            self.new_ticket(local(2026, 10, 19, 9, 0), sxd),
            local(2026, 10, 20, 9, 0))
        self.rate(cases['before'], 'satisfied', local(2026, 10, 21, 9, 0))
        # carried over: still open late at the end of November
        cases['open_late'] = self.new_ticket(local(2026, 10, 26, 9, 0), sxd)
        # carried over, answered late in November
        cases['carried_late'] = self.new_ticket(
            local(2026, 10, 28, 9, 0), syt)
        # carried over, answered on time in November
        cases['carried'] = self.new_ticket(local(2026, 10, 30, 9, 0), sxd)
        self.deliver(cases['carried'], local(2026, 11, 2, 9, 0))
        # answered late in November (head's limit: 12 November)
        cases['late'] = self.new_ticket(local(2026, 11, 4, 9, 0), sxd)
        # answered on time, rated satisfied
        cases['on_time'] = self.new_ticket(local(2026, 11, 5, 9, 0), sxd)
        self.deliver(cases['on_time'], local(2026, 11, 6, 9, 0))
        self.rate(cases['on_time'], 'satisfied', local(2026, 11, 7, 9, 0))
        # extended, answered on time, rated not satisfied
        cases['extended'] = self.new_ticket(local(2026, 11, 9, 9, 0), sxd)
        with self.at(local(2026, 11, 9, 10, 0)):
            Ticket.apply_extension(
                Ticket(cases['extended'].id), 2, "Cần xác minh thực địa")
        self.deliver(cases['extended'], local(2026, 11, 10, 9, 0))
        self.rate(
            cases['extended'], 'not_satisfied', local(2026, 11, 11, 9, 0))
        # rejected at intake
        rejected = cases['rejected'] = self.new_ticket(
            local(2026, 11, 10, 9, 0), sxd, forward=False)
        Ticket.write([rejected], {
                'reject_reason': "Không đủ thông tin",
                'guidance': "Gửi lại với đủ thông tin"})
        with self.at(local(2026, 11, 10, 10, 0)):
            Ticket.reject([Ticket(rejected.id)])
        # a duplicate of the case answered on time
        duplicate = cases['duplicate'] = self.new_ticket(
            local(2026, 11, 11, 9, 0), syt, forward=False)
        Ticket.write([duplicate], {'duplicate_of': cases['on_time'].id})
        with self.at(local(2026, 11, 11, 10, 0)):
            Ticket.mark_duplicate([Ticket(duplicate.id)])
        # returned by the health department, answered by construction
        returned = cases['returned'] = self.new_ticket(
            local(2026, 11, 12, 9, 0), syt)
        Ticket.write([returned], {'return_reason': "Không thuộc thẩm quyền"})
        with self.at(local(2026, 11, 12, 10, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.return_case([Ticket(returned.id)])
        Ticket.write([Ticket(returned.id)], {'lead_unit': sxd.id})
        with self.at(local(2026, 11, 12, 13, 0)):
            Ticket.forward([Ticket(returned.id)])
        self.deliver(returned, local(2026, 11, 13, 9, 0))
        # health: answered on time, rated satisfied
        cases['health'] = self.new_ticket(local(2026, 11, 16, 9, 0), syt)
        self.deliver(cases['health'], local(2026, 11, 17, 9, 0))
        self.rate(cases['health'], 'satisfied', local(2026, 11, 18, 9, 0))
        # due within a day of the end: Tuesday 1 December, 09:00
        cases['due_soon'] = self.new_ticket(local(2026, 11, 20, 9, 0), sxd)
        self.deliver(cases['carried_late'], local(2026, 11, 25, 9, 0))
        self.deliver(cases['late'], local(2026, 11, 27, 9, 0))
        self.sweep(local(2026, 11, 30, 8, 0))
        # not yet due at the end of November
        cases['not_due'] = self.new_ticket(local(2026, 11, 30, 9, 0), sxd)
        # December: not in November
        cases['december'] = self.new_ticket(local(2026, 12, 2, 9, 0), sxd)
        Ticket.write([Ticket(cases['open_late'].id)], {
                'delay_reason': "Chờ ý kiến các sở"})

    def expected(self, row):
        values = dict(zip(COUNTS, row))
        late_rate = values['late'] / values['to_handle']
        values.update(late_rate=late_rate, on_time_rate=1 - late_rate)
        return values

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
        construction = [a + b for a, b in zip(CONSTRUCTION, commune)]
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
