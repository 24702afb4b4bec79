# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Deadlines of cases under each regulation profile, with a controlled
clock: escalation chains, met deadlines, extensions and their limits,
reminders, the urgent track."""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.exceptions import ExtensionError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


# Monday 16 November 2026, 09:00 in Vietnam
T0 = local(2026, 11, 16, 9, 0)


class DeadlineTestCase(ModuleTestCase):
    "Deadlines of cases"
    module = 'pakn_helpdesk'

    def setup_world(self, profile_code):
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', profile_code)])
        config.save()
        self.focal, self.head = User.create([
                {'login': 'focal', 'name': "Cán bộ đầu mối"},
                {'login': 'head', 'name': "Thủ trưởng"},
                ])
        self.unit, = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    'focal_points': [('add', [self.focal.id])],
                    'leaders': [('add', [self.head.id])],
                    }])

    def at(self, instant):
        return Transaction().set_context(pakn_now=instant)

    def new_ticket(self, instant=T0, **values):
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
                        'lead_unit': self.unit.id,
                        **values,
                        }])
        return ticket

    def forward(self, ticket, instant=T0):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(instant):
            Ticket.forward([ticket])
        return Ticket(ticket.id)

    def sweep(self, instant):
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        with self.at(instant):
            Deadline.sweep()

    def events(self, ticket, types):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        return [e.type for e in Ticket(ticket.id).events if e.type in types]

    def running(self, ticket):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        return {d.stage.code: d.due for d in Ticket(ticket.id).deadlines
            if d.state == 'running'}

    ESCALATIONS = {'escalated', 'escalated_office', 'overdue',
        'deadline_missed', 'reminder', 'extended'}

    @with_transaction()
    def test_dn2017_chain(self):
        "DN2017: focal point silent 8 h → head; head silent 48 h → overdue"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        focal_due = local(2026, 11, 17, 9, 0)
        # 48 working hours; Tuesday 24 November is Vietnam Cultural Day
        head_due = local(2026, 11, 25, 9, 0)
        self.assertEqual(self.running(ticket), {
                'focal_response': focal_due, 'head_response': head_due})
        self.sweep(focal_due - dt.timedelta(minutes=1))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), [])
        self.sweep(focal_due)
        self.sweep(focal_due + dt.timedelta(hours=1))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), ['escalated'])
        self.assertEqual(Ticket(ticket.id).escalation, 'head')
        self.assertEqual(
            Ticket(ticket.id).deadline_condition, 'overdue')
        # the head finds it in "Việc của tôi"
        with Transaction().set_user(self.head.id):
            self.assertIn(ticket, Ticket.search([('is_mine', '=', True)]))
        self.sweep(head_due)
        self.sweep(head_due)
        self.assertEqual(
            self.events(ticket, self.ESCALATIONS), ['escalated', 'overdue'])
        ticket = Ticket(ticket.id)
        self.assertTrue(ticket.overdue)
        self.assertEqual(ticket.events[-1].note, "trễ hạn (đang chờ xử lý)")
        # the supervising office finds it in its queue and in its own
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.assertIn(ticket, Ticket.search([
                    ['OR', ('escalation', '=', 'office'),
                        ('overdue', '=', True)]]))
        office, = User.create([{
                    'login': 'office', 'name': "Văn phòng",
                    'groups': [('add', [ModelData.get_id(
                                    'pakn_helpdesk', 'group_office')])],
                    }])
        with Transaction().set_user(office.id):
            self.assertIn(ticket, Ticket.search([('is_mine', '=', True)]))

    @with_transaction()
    def test_gl2021_chain(self):
        "GL2021: head gets 8 h from the escalation, then the office"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('GL2021')
        ticket = self.forward(self.new_ticket())
        self.assertEqual(self.running(ticket), {
                'focal_response': local(2026, 11, 17, 9, 0)})
        self.sweep(local(2026, 11, 17, 9, 30))
        # the head's 8 working hours start when the escalation was due,
        # not when the sweep ran half an hour later
        self.assertEqual(self.running(ticket), {
                'head_response': local(2026, 11, 18, 9, 0)})
        self.sweep(local(2026, 11, 18, 9, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS),
            ['escalated', 'escalated_office'])
        ticket = Ticket(ticket.id)
        self.assertEqual((ticket.escalation, ticket.overdue), ('office', True))

    @with_transaction()
    def test_kh2022_stages(self):
        "KH2022: intake, acceptance, processing and approval, in turn"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Deadline = pool.get('pakn.ticket.deadline')
        self.setup_world('KH2022')
        ticket = self.new_ticket()
        self.assertEqual(self.running(ticket), {
                'intake_distribution': local(2026, 11, 16, 14, 30)})
        ticket = self.forward(ticket, local(2026, 11, 16, 10, 0))
        self.assertEqual(self.running(ticket), {
                'unit_acceptance': local(2026, 11, 16, 15, 30)})
        with self.at(local(2026, 11, 16, 11, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.accept([ticket])
        # 5 working days: 4.5 h on Monday, 4 days, 3.5 h the next Monday
        self.assertEqual(self.running(ticket), {
                'processing': local(2026, 11, 23, 11, 0)})
        Ticket.write([ticket], {'result': "Đã xử lý."})
        with self.at(local(2026, 11, 17, 9, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.submit([Ticket(ticket.id)])
        self.assertEqual(self.running(ticket), {
                'approval': local(2026, 11, 17, 14, 30)})
        states = {d.stage.code: d.state for d in Deadline.search([
                    ('ticket', '=', ticket.id)])}
        self.assertEqual(states, {
                'intake_distribution': 'met', 'unit_acceptance': 'met',
                'processing': 'met', 'approval': 'running'})

    @with_transaction()
    def test_met_deadline_not_escalated(self):
        "An answer drafted in time meets the focal point's deadline"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 15, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.accept([ticket])
            Ticket.write([ticket], {'result': "Đã xử lý."})
            Ticket.submit([Ticket(ticket.id)])
        self.sweep(local(2026, 11, 18, 9, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), [])
        self.assertEqual(set(self.running(ticket)), {'head_response'})

    @with_transaction()
    def test_returned_cancels(self):
        "A case returned as not competent stops its unit's clocks"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        Ticket.write([ticket], {'return_reason': "Không thuộc thẩm quyền"})
        with self.at(local(2026, 11, 16, 10, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.return_case([Ticket(ticket.id)])
        self.assertEqual(self.running(ticket), {})
        self.sweep(local(2026, 12, 30, 9, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), [])

    @with_transaction()
    def test_calendar_change_recomputes_running(self):
        "A day off added to the calendar moves the running deadlines only"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Calendar = pool.get('pakn.calendar')
        Exception_ = pool.get('pakn.calendar.exception')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 15, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.accept([ticket])
            Ticket.write([ticket], {'result': "Đã xử lý."})
            Ticket.submit([Ticket(ticket.id)])
        met = [(d.stage.code, d.due, d.state)
            for d in Ticket(ticket.id).deadlines if d.state == 'met']
        Exception_.create([{
                    'calendar': Calendar.get_default().id,
                    'date': dt.date(2026, 11, 20), 'kind': 'off',
                    'name': "Nghỉ đột xuất"}])
        # the recount is queued: run its tasks as the worker would
        Queue = pool.get('ir.queue')
        while Transaction().tasks:
            Queue(Transaction().tasks.pop()).run()
        # the head's 48 working hours now end a day later
        self.assertEqual(self.running(ticket), {
                'head_response': local(2026, 11, 26, 9, 0)})
        self.assertEqual([(d.stage.code, d.due, d.state)
                for d in Ticket(ticket.id).deadlines if d.state == 'met'],
            met)

    @with_transaction()
    def test_province_calendar_replaced(self):
        "Another calendar for the province counts the running deadlines again"
        pool = Pool()
        Calendar = pool.get('pakn.calendar')
        Configuration = pool.get('pakn.configuration')
        Queue = pool.get('ir.queue')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        self.assertEqual(self.running(ticket)['head_response'],
            local(2026, 11, 25, 9, 0))
        calendar, = Calendar.copy(
            [Calendar.get_default()], default={'name': "Lịch mới"})
        Calendar.write([calendar], {'exceptions': [('create', [{
                            'date': dt.date(2026, 11, 20),
                            'kind': 'off', 'name': "Nghỉ"}])]})
        while Transaction().tasks:
            Queue(Transaction().tasks.pop()).run()
        config = Configuration(1)
        config.calendar = calendar
        config.save()
        while Transaction().tasks:
            Queue(Transaction().tasks.pop()).run()
        self.assertEqual(self.running(ticket)['head_response'],
            local(2026, 11, 26, 9, 0))

    @with_transaction()
    def test_dn2017_extensions(self):
        "DN2017: three reschedules of at most 2, 1 and 1 working days"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 10, 0)):
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 3, "Cần xác minh")
            promised = Ticket.apply_extension(
                Ticket(ticket.id), 2, "Cần xác minh thực địa")
        # Đ10 k4: the appointment made Monday 10:00 is kept within 2
        # working days of it; the head's 48 hours (Đ10 k2) run on
        self.assertEqual(promised, local(2026, 11, 18, 10, 0))
        self.assertEqual(self.running(ticket), {
                'focal_response': promised,
                'head_response': local(2026, 11, 25, 9, 0)})
        with self.at(local(2026, 11, 18, 9, 0)):
            Ticket.apply_extension(Ticket(ticket.id), 1, "Chờ kết quả")
        with self.at(local(2026, 11, 19, 8, 0)):
            Ticket.apply_extension(Ticket(ticket.id), 1, "Chờ kết quả")
            before = self.running(ticket)
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 1, "Lần thứ tư")
        self.assertEqual(self.running(ticket), before)
        self.assertEqual(before['focal_response'], local(2026, 11, 20, 8, 0))
        self.assertEqual(len(Ticket(ticket.id).extensions), 3)
        self.assertEqual(
            self.events(ticket, self.ESCALATIONS), ['extended'] * 3)
        # the third appointment missed: the head is notified (Đ9 k1 b)
        self.sweep(local(2026, 11, 20, 8, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS),
            ['extended'] * 3 + ['escalated'])
        self.assertEqual(self.running(ticket), {
                'head_response': local(2026, 11, 25, 9, 0)})

    @with_transaction()
    def test_gl2021_extension_reminder(self):
        "GL2021: one extension, a reminder 24 hours before it ends"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('GL2021')
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 10, 0)):
            # the single extension is at most 10 working days long
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(
                    Ticket(ticket.id), 200, "Cần phối hợp nhiều đơn vị")
            promised = Ticket.apply_extension(
                Ticket(ticket.id), 3, "Cần phối hợp nhiều đơn vị")
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 1, "Lần hai")
        # Monday 16, 10:00 + 3 working days, counted from the reply
        self.assertEqual(promised, local(2026, 11, 19, 10, 0))
        self.sweep(promised - dt.timedelta(hours=24, minutes=1))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), ['extended'])
        self.sweep(promised - dt.timedelta(hours=24))
        self.sweep(promised - dt.timedelta(hours=23))
        self.assertEqual(
            self.events(ticket, self.ESCALATIONS), ['extended', 'reminder'])
        # Đ11 k4: at the end of the extension the case is late, not
        # escalated
        self.sweep(promised)
        self.assertEqual(self.events(ticket, self.ESCALATIONS),
            ['extended', 'reminder', 'overdue'])
        ticket = Ticket(ticket.id)
        self.assertTrue(ticket.overdue)
        self.assertTrue(ticket.late)
        self.assertEqual(self.running(ticket), {})

    @with_transaction()
    def test_kh2022_extension_cap(self):
        "KH2022: extensions end within 10 working days of the acceptance"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('KH2022')
        ticket = self.forward(self.new_ticket())
        with self.at(T0), Transaction().set_user(self.focal.id):
            Ticket.accept([Ticket(ticket.id)])
        with self.at(local(2026, 11, 17, 9, 0)):
            # only for a case marked complex (Đ7 k3)
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 4, "Phức tạp")
            self.assertFalse(Ticket(ticket.id).complex)
            # accepted Monday 16, 09:00: 10 working days end Tuesday 1
            # December; 5 + 6 would pass them
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(
                    Ticket(ticket.id), 6, "Phức tạp", complex_=True)
            promised = Ticket.apply_extension(
                Ticket(ticket.id), 4, "Liên quan 3 sở", complex_=True)
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 1, "Lần hai")
        # the processing's 5 working days (Monday 23) + 4
        self.assertEqual(promised, local(2026, 11, 30, 9, 0))
        self.assertTrue(Ticket(ticket.id).complex)
        self.assertEqual(self.running(ticket), {'processing': promised})

    @with_transaction()
    def test_kh2022_urgent_track(self):
        "KH2022: an urgent incident runs on the urgent stages"
        self.setup_world('KH2022')
        ticket = self.new_ticket(instant=local(2026, 11, 16, 22, 0),
            urgent=True)
        # clock hours: the night counts
        self.assertEqual(self.running(ticket), {
                'urgent_intake': local(2026, 11, 16, 23, 0)})
        ticket = self.forward(ticket, local(2026, 11, 16, 23, 0))
        self.assertEqual(self.running(ticket), {
                'urgent_acceptance': local(2026, 11, 17, 8, 30),
                'temporary_fix': local(2026, 11, 17, 17, 0),
                })
        # forwarding checked the file at the same instant: both steps met
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.assertEqual(sorted((d.stage.code, d.state, d.late)
                for d in Ticket(ticket.id).deadlines
                if d.role == 'operator'),
            [('urgent_distribution', 'met', False),
                ('urgent_intake', 'met', False)])

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

    @with_transaction()
    def test_answered_late_stays_late(self):
        "DN2017: a case answered 17 working days after its limit stays late"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        self.sweep(local(2026, 11, 25, 9, 0))
        self.assertTrue(Ticket(ticket.id).overdue)
        # 17 working days after Wednesday 25 November, 09:00
        ticket = self.deliver(ticket, local(2026, 12, 18, 9, 0))
        self.assertEqual(ticket.state, 'published')
        self.assertFalse(ticket.overdue)  # no longer waits
        self.assertTrue(ticket.late)
        head, = [d for d in ticket.deadlines
            if d.stage.code == 'head_response']
        self.assertEqual(
            (head.state, head.late, head.met_at),
            ('missed', True, local(2026, 12, 18, 9, 0)))
        self.assertEqual(Ticket.search([('late', '=', True)]), [ticket])
        self.assertEqual(Ticket.search([('late', '=', False)]), [])

    @with_transaction()
    def test_late_without_sweep(self):
        "A limit passed unnoticed by the sweep is late when the step is done"
        self.setup_world('DN2017')
        ticket = self.forward(self.new_ticket())
        ticket = self.deliver(ticket, local(2026, 11, 25, 9, 1))
        self.assertTrue(ticket.late)
        self.assertEqual(self.events(ticket, self.ESCALATIONS), [])

    @with_transaction()
    def test_timeliness_formula(self):
        "The late rate of a period: (late in progress + answered late) / to do"
        from trytond.modules.pakn_helpdesk.ledger import rate, timeliness
        self.setup_world('DN2017')
        november = (local(2026, 11, 1), local(2026, 12, 1))
        # ended before November: not to handle in it
        before = self.forward(
            self.new_ticket(local(2026, 10, 19, 9, 0)),
            local(2026, 10, 19, 9, 0))
        self.deliver(before, local(2026, 10, 20, 9, 0))
        # carried over, answered in time in November
        carried = self.forward(
            self.new_ticket(local(2026, 10, 30, 9, 0)),
            local(2026, 10, 30, 9, 0))
        self.deliver(carried, local(2026, 11, 2, 9, 0))
        # received in November, late and still in progress at its end
        waiting = self.forward(
            self.new_ticket(local(2026, 11, 3, 9, 0)),
            local(2026, 11, 3, 9, 0))
        # received in November, answered late in it
        answered_late = self.forward(
            self.new_ticket(local(2026, 11, 4, 9, 0)),
            local(2026, 11, 4, 9, 0))
        # received in November, answered on time
        on_time = self.forward(
            self.new_ticket(local(2026, 11, 5, 9, 0)),
            local(2026, 11, 5, 9, 0))
        self.deliver(on_time, local(2026, 11, 6, 9, 0))
        # received in December: not in November
        self.forward(
            self.new_ticket(local(2026, 12, 2, 9, 0)),
            local(2026, 12, 2, 9, 0))
        self.sweep(local(2026, 11, 20, 9, 0))
        self.deliver(answered_late, local(2026, 11, 27, 9, 0))
        figures = timeliness(*november)
        self.assertEqual(figures, {None: (4, 2)})
        self.assertEqual(rate(*figures[None]), 0.5)
        # by unit: all of them led by the same unit
        self.assertEqual(
            timeliness(*november, group_by='lead_unit'),
            {self.unit.id: (4, 2)})
        # October: the case waiting was not received yet, the carried
        # one was still on time at the end of October
        self.assertEqual(
            timeliness(local(2026, 10, 1), november[0]), {None: (2, 0)})
        # a period before the limits passed: nothing late yet
        self.assertEqual(
            timeliness(november[0], local(2026, 11, 6)), {None: (4, 0)})
        self.assertEqual(rate(0, 0), None)
        self.assertTrue(waiting.id)

    @with_transaction()
    def test_gl2021_send_back_keeps_the_clock(self):
        "GL2021: a send-back reopens the focal point's 8 hours (Đ11 k4)"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('GL2021')
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 10, 0)):
            with Transaction().set_user(self.focal.id):
                Ticket.accept([Ticket(ticket.id)])
                Ticket.write([Ticket(ticket.id)], {'result': "Đã xử lý."})
                Ticket.submit([Ticket(ticket.id)])
        self.assertEqual(self.running(ticket), {})
        with self.at(local(2026, 11, 16, 11, 0)):
            with Transaction().set_user(self.head.id):
                Ticket.write([Ticket(ticket.id)], {'remarks': "Bổ sung."})
                Ticket.send_back([Ticket(ticket.id)])
        self.assertEqual(self.running(ticket), {
                'focal_response': local(2026, 11, 17, 9, 0)})
        self.sweep(local(2026, 11, 17, 9, 0))
        self.sweep(local(2026, 11, 18, 9, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS),
            ['escalated', 'escalated_office'])
        self.assertTrue(Ticket(ticket.id).late)

    @with_transaction()
    def test_returned_starts_afresh(self):
        "A unit that returns a case leaves no waiting flag nor extension"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Unit = pool.get('pakn.unit')
        self.setup_world('GL2021')
        other, = Unit.create([{
                    'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                    'focal_points': [('add', [self.focal.id])],
                    'leaders': [('add', [self.head.id])],
                    }])
        ticket = self.forward(self.new_ticket())
        with self.at(local(2026, 11, 16, 10, 0)):
            Ticket.apply_extension(Ticket(ticket.id), 1, "Cần xác minh")
        self.sweep(local(2026, 11, 17, 10, 0))
        ticket = Ticket(ticket.id)
        self.assertEqual((ticket.overdue, ticket.late), (True, True))
        Ticket.write([ticket], {'return_reason': "Không thuộc thẩm quyền"})
        with self.at(local(2026, 11, 17, 11, 0)), Transaction().set_user(
                self.focal.id):
            Ticket.return_case([Ticket(ticket.id)])
        ticket = Ticket(ticket.id)
        self.assertEqual((ticket.overdue, ticket.escalation), (False, None))
        self.assertTrue(ticket.late)  # the ledger keeps it
        Ticket.write([ticket], {'lead_unit': other.id})
        self.forward(ticket, local(2026, 11, 17, 13, 0))
        # the new unit has its own extension
        with self.at(local(2026, 11, 17, 14, 0)):
            promised = Ticket.apply_extension(
                Ticket(ticket.id), 2, "Cần lấy mẫu")
        self.assertEqual(promised, local(2026, 11, 19, 14, 0))

    @with_transaction()
    def test_extension_lengths_without_count(self):
        "Lengths listed without a count allow as many extensions, no more"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        self.setup_world('DN2017')
        preset, = Profile.search([('code', '=', 'DN2017')])
        # the presets are the articles: a province changes a copy
        with self.assertRaises(AccessError):
            Profile.write([preset], {'extension_max': None})
        profile, = Profile.copy([preset], default={
                'code': 'DN2017-X', 'extension_max': None})
        config = Configuration(1)
        config.sla_profile = profile
        config.save()
        ticket = self.forward(self.new_ticket())
        for day in [16, 17, 18]:
            with self.at(local(2026, 11, day, 9, 30)):
                Ticket.apply_extension(Ticket(ticket.id), 1, "Hẹn lại")
        with self.at(local(2026, 11, 19, 9, 0)):
            with self.assertRaises(ExtensionError):
                Ticket.apply_extension(Ticket(ticket.id), 1, "Lần thứ tư")

    @with_transaction()
    def test_kh2022_urgent_clarification(self):
        "KH2022 urgent: no distribution clock while the citizen has the file"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('KH2022')
        ticket = self.new_ticket(urgent=True)
        with self.at(local(2026, 11, 16, 9, 20)):
            Ticket.check_intake([Ticket(ticket.id)])
        self.assertEqual(set(self.running(ticket)), {'urgent_distribution'})
        Ticket.write([Ticket(ticket.id)], {
                'clarification_request': "Đề nghị cho biết vị trí."})
        with self.at(local(2026, 11, 16, 9, 40)):
            Ticket.request_clarification([Ticket(ticket.id)])
        self.assertEqual(self.running(ticket), {})
        self.sweep(local(2026, 11, 16, 15, 0))
        self.assertEqual(self.events(ticket, self.ESCALATIONS), [])
        with self.at(local(2026, 11, 16, 16, 0)):
            Ticket.resubmit([Ticket(ticket.id)])
        # an hour again, from the citizen's answer
        self.assertEqual(self.running(ticket), {
                'urgent_distribution': local(2026, 11, 16, 17, 0)})

    @with_transaction()
    def test_secret_and_closed_cases(self):
        "No clock runs for a state-secret case nor after a rejection"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('KH2022')
        secret = self.new_ticket(state_secret=True, secret_reference="12/M")
        self.assertEqual(self.running(secret), {})
        ticket = self.new_ticket()
        Ticket.write([ticket], {
                'reject_reason': "Ngoài phạm vi", 'guidance': "Gửi UBND xã"})
        with self.at(T0):
            Ticket.reject([ticket])
        self.assertEqual(self.running(ticket), {})


del ModuleTestCase
