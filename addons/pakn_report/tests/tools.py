# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The data set of the report tests: a small province built through the
workflow with a controlled clock, and the golden figures of November
2026."""
import datetime as dt

from trytond.modules.pakn_report.report import COUNTS
from trytond.pool import Pool
from trytond.transaction import Transaction


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


NOVEMBER = (local(2026, 11, 1), local(2026, 12, 1))

# November 2026, per lead unit: the columns of COUNTS
#      received carried to_handle late
#      open: not due, due soon, late; done: on time, late
#      rejected duplicate returned extensions ratings satisfied timed
# then the handling times of the cases done: their sum and 90th
# percentile in working days (8-hour days, 07:30-11:30 and 13:00-17:00,
# Monday to Friday; Tuesday 24 November 2026 is a holiday, Ngày Văn hóa
# Việt Nam)
CONSTRUCTION = [
    7, 2, 9, 2,
    1, 1, 1, 4, 1,
    1, 0, 0, 1, 2, 1, 5,
    # carried, on_time, extended, returned: 1 day each; late: 16 days
    20., 16.]
HEALTH = [
    2, 1, 3, 1,
    0, 0, 0, 1, 1,
    0, 1, 1, 0, 1, 1, 2,
    # health: 1 day; carried_late: 19 days
    20., 19.]
TOTAL = [
    9, 3, 12, 3,
    1, 1, 1, 5, 2,
    1, 1, 1, 1, 3, 2, 7,
    40., 19.]

# The fourth quarter and the year 2026 of build_year, per lead unit, as
# above; the quarter: November and the cases of October and December, the
# September case carried over; the year: also the March case
QUARTER_CONSTRUCTION = [
    11, 0, 11, 5,
    # open_late, not_due and december are late after the sweep of
    # 31 December; due_soon was answered late on 3 December
    0, 0, 3, 5, 2,
    1, 0, 0, 1, 3, 2, 7,
    # before 1 day and due_soon 8 days (24 November is a holiday)
    29., 16.]
QUARTER_HEALTH = [
    3, 1, 4, 1,
    0, 0, 0, 2, 1,
    0, 1, 1, 0, 1, 1, 3,
    # september: 5 days
    25., 19.]
QUARTER_TOTAL = [
    14, 1, 15, 6,
    0, 0, 3, 7, 3,
    1, 1, 1, 1, 4, 3, 10,
    54., 16.]
YEAR_CONSTRUCTION = [
    12, 0, 12, 5,
    0, 0, 3, 6, 2,
    1, 0, 0, 1, 4, 3, 8,
    # march: 2 days
    31., 16.]
# the March case, the only one with a field
YEAR_CONSTRUCTION_FIELD = [
    1, 0, 1, 0,
    0, 0, 0, 1, 0,
    0, 0, 0, 0, 1, 1, 1,
    2., 2.]
YEAR_HEALTH = [
    4, 0, 4, 1,
    0, 0, 0, 2, 1,
    0, 1, 1, 0, 1, 1, 3,
    25., 19.]
YEAR_TOTAL = [
    16, 0, 16, 6,
    0, 0, 3, 8, 3,
    1, 1, 1, 1, 5, 4, 11,
    56., 16.]


class ProvinceMixin:
    """Build the province (setup_world) and its cases (build) in a
    ModuleTestCase of pakn_report"""

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

    def build_year(self):
        """The cases of build with, before them, a case answered in March
        (the only one with a field) and one received in September and
        answered in October, and after them, December: the case due soon
        answered late, the sweep of the last day of the year"""
        pool = Pool()
        Field = pool.get('pakn.field')
        Ticket = pool.get('pakn.ticket')
        sxd, syt = self.construction, self.health
        self.field, = Field.create([{'name': "Xây dựng", 'code': 'XD'}])
        march = self.new_ticket(local(2026, 3, 10, 9, 0), sxd)
        Ticket.write([march], {'field': self.field.id})
        self.deliver(march, local(2026, 3, 12, 9, 0))
        self.rate(march, 'satisfied', local(2026, 3, 13, 9, 0))
        september = self.new_ticket(local(2026, 9, 29, 9, 0), syt)
        self.deliver(september, local(2026, 10, 6, 9, 0))
        self.build()
        self.cases.update(march=march, september=september)
        self.deliver(self.cases['due_soon'], local(2026, 12, 3, 9, 0))
        self.sweep(local(2026, 12, 31, 17, 0))

    def expected(self, row):
        "The figures of a golden row (COUNTS, handling_days, p90_days)"
        values = dict(zip(COUNTS, row))
        values['handling_days'], values['p90_days'] = row[len(COUNTS):] or (
            0., None)
        late_rate = values['late'] / values['to_handle']
        values.update(late_rate=late_rate, on_time_rate=1 - late_rate)
        values['avg_days'] = (round(values['handling_days'] / values[
                    'timed'], 2) if values['timed'] else None)
        return values
