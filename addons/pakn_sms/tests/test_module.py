# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""SMS: encodings, templates, recipients and the sender against real
gateways on loopback (an HTTP provider and an SMPP SMSC), with a
controlled clock."""
import datetime as dt
import json
import os
import socket
import tempfile

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.exceptions import PhoneNumberError
from trytond.modules.pakn_helpdesk.tests.vietnamese import (
    load_vietnamese,
    missing_translations,
)
from trytond.modules.pakn_sms import encoding
from trytond.modules.pakn_sms.exceptions import (
    GatewayTestError,
    GatewayValidationError,
    MobileNumberError,
    TemplateValidationError,
)
from trytond.modules.pakn_sms.gateway import SendError
from trytond.modules.pakn_sms.template import quiet_end_after
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

from .http_gateway import HttpGateway
from .smsc import TestSMSC


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


# Monday 16 November 2026, 09:00 in Vietnam
T0 = local(2026, 11, 16, 9, 0)
CITIZEN = '+84912345678'
FOCAL, HEAD, PARTNER, OFFICE = (
    '+84912000001', '+84912000002', '+84912000003', '+84912000004')
LONG_VIETNAMESE = (
    "Phản ánh PAKN-2026-000123-K7Q về đường ngập ở phường Hòa Bình đã được "
    "chuyển đến Sở Xây dựng; hạn xử lý 16:30 ngày 25/11/2026. Đề nghị đầu "
    "mối tiếp nhận và xử lý đúng hạn theo quy định.")


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SmsWorld:
    """A province that sends SMS, with a controlled clock: the helpers of
    the module's tests and of tests that extend the module"""
    module = 'pakn_sms'
    # Classes registered in the module for these tests only (a kind of
    # gateway, say): the activated database is updated to add them
    extensions = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.extensions:
            Pool.register(*cls.extensions, module=cls.module, type_='model')
            for extension in cls.extensions:
                cls.addClassCleanup(
                    Pool.classes['model'][cls.module].pop, extension)
            Pool(DB_NAME).init(update=[cls.module])

    def setUp(self):
        super().setUp()
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def at(self, instant):
        return Transaction().set_context(pakn_now=instant)

    def setup_world(self, profile='GL2021', gateway=None):
        """A department with a focal point and a head, a partner department,
        the supervising office; the province sends through gateway (a
        file by default)"""
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        Gateway = pool.get('pakn.sms.gateway')
        if gateway is None:
            gateway = {
                'name': "Demo", 'kind': 'file', 'sender': '1022 TEST',
                'file_path': os.path.join(self.folder.name, 'sms.log'),
                }
        self.gateway, = Gateway.create([gateway])
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', profile)])
        config.sms_gateway = self.gateway
        config.tracking_url = 'https://1022.example.gov.vn/tra-cuu/${code}'
        config.save()
        self.focal, self.head, self.partner, self.office = User.create([
                {'login': 'focal', 'name': "Đầu mối", 'pakn_mobile': FOCAL},
                {'login': 'head', 'name': "Thủ trưởng",
                    'pakn_mobile': '0912 000 002'},
                {'login': 'partner', 'name': "Phối hợp",
                    'pakn_mobile': PARTNER},
                {'login': 'office', 'name': "Văn phòng",
                    'pakn_mobile': OFFICE},
                ])
        self.office_unit, self.unit, self.partner_unit = Unit.create([{
                    'name': "Văn phòng UBND tỉnh", 'code': 'VP',
                    'kind': 'province_office', 'supervising_office': True,
                    'focal_points': [('add', [self.office.id])],
                    }, {
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    'focal_points': [('add', [self.focal.id])],
                    'leaders': [('add', [self.head.id])],
                    }, {
                    'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                    'focal_points': [('add', [self.partner.id])],
                    }])

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
                        'content': "Đường Trần Hưng Đạo ngập sâu sau mưa, "
                        "đề nghị nạo vét cống thoát nước.",
                        'lead_unit': self.unit.id,
                        **values,
                        }])
        return ticket

    def click(self, button, ticket, instant=T0, user=None, **values):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(instant), Transaction().set_user(user.id if user else 0):
            if values:
                Ticket.write([Ticket(ticket.id)], values)
            getattr(Ticket, button)([Ticket(ticket.id)])
        return Ticket(ticket.id)

    def sweep(self, instant):
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        with self.at(instant):
            Deadline.sweep()

    def messages(self, ticket=None, **kwargs):
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        domain = [('ticket', '=', ticket.id)] if ticket else []
        domain += [(k, '=', v) for k, v in kwargs.items()]
        return Message.search(domain, order=[('id', 'ASC')])

    def by_template(self, ticket):
        return [(m.template.code, m.recipient)
            for m in self.messages(ticket)]

    def send(self, instant, **kwargs):
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        with self.at(instant):
            Message.send_due(**kwargs)

    def http_world(self, server, **values):
        self.setup_world(gateway=server.gateway_values(**values))
        # three cases for two recipients: forwarded to the focal point and
        # the partner, then to the focal point alone
        tickets = [
            self.click('forward', self.new_ticket(
                    coordinating_units=[('add', [self.partner_unit.id])])),
            self.click('forward', self.new_ticket()),
            self.click('forward', self.new_ticket()),
            ]
        return tickets

    def assert_once_in_order(self, server):
        "Each message accepted once, each recipient's in creation order"
        messages = self.messages()
        references = [m['client_ref'] for m in server.accepted]
        self.assertEqual(sorted(references),
            sorted(m.reference for m in messages))
        self.assertEqual(len(references), len(set(references)))
        for recipient in {m.recipient for m in messages}:
            expected = [m.reference for m in messages
                if m.recipient == recipient]
            got = [m['client_ref'] for m in server.accepted
                if '+' + m['to'] == recipient]
            self.assertEqual(got, expected)
        for message in messages:
            self.assertEqual(message.state, 'sent')


class SmsTestCase(SmsWorld, ModuleTestCase):
    "Test PAKN SMS module"

    # Encodings

    def test_segments(self):
        "Segments of GSM 7-bit and UCS-2 texts, single and concatenated"
        for text, expected in [
                ('', ('gsm7', 0, 0)),
                ('a' * 160, ('gsm7', 160, 1)),
                ('a' * 161, ('gsm7', 161, 2)),
                ('a' * 306, ('gsm7', 306, 2)),
                ('a' * 307, ('gsm7', 307, 3)),
                ('{' * 80, ('gsm7', 160, 1)),
                ('€' * 81, ('gsm7', 162, 2)),
                ('ă' * 70, ('ucs2', 70, 1)),
                ('ă' * 71, ('ucs2', 71, 2)),
                ('ă' * 134, ('ucs2', 134, 2)),
                ('ă' * 135, ('ucs2', 135, 3)),
                ('a' * 69 + '😀', ('ucs2', 71, 2)),
                (LONG_VIETNAMESE, ('ucs2', len(LONG_VIETNAMESE), 3)),
                ]:
            with self.subTest(text=text[:10], length=len(text)):
                self.assertEqual(encoding.measure(text), expected)

    def test_without_diacritics(self):
        "A gateway without diacritics sends Vietnamese as GSM 7-bit"
        self.assertEqual(
            encoding.strip_diacritics("Đường ngập ở Hòa Bình, Quảng Ngãi"),
            "Duong ngap o Hoa Binh, Quang Ngai")
        text, encoding_, segments = encoding.prepare(
            LONG_VIETNAMESE, unicode=False)
        self.assertEqual(encoding_, 'gsm7')
        self.assertEqual(segments, 2)
        self.assertTrue(text.startswith("Phan anh PAKN-2026-000123-K7Q ve"))
        self.assertEqual(
            encoding.prepare("Giá “đặc biệt” 😀", unicode=False),
            ('Gia "dac biet" ?', 'gsm7', 1))

    def test_quiet_hours(self):
        "Quiet hours end in the morning, across midnight or within a day"
        zone = __import__('zoneinfo').ZoneInfo('Asia/Ho_Chi_Minh')
        night, morning = dt.time(21, 0), dt.time(7, 0)
        for instant, expected in [
                (local(2026, 11, 16, 20, 59), local(2026, 11, 16, 20, 59)),
                (local(2026, 11, 16, 21, 0), local(2026, 11, 17, 7, 0)),
                (local(2026, 11, 17, 2, 0), local(2026, 11, 17, 7, 0)),
                (local(2026, 11, 17, 7, 0), local(2026, 11, 17, 7, 0)),
                ]:
            with self.subTest(instant=instant):
                self.assertEqual(
                    quiet_end_after(instant, night, morning, zone), expected)
        self.assertEqual(quiet_end_after(
                local(2026, 11, 16, 12, 30), dt.time(12), dt.time(13), zone),
            local(2026, 11, 16, 13, 0))

    # Numbers and configuration

    @with_transaction()
    def test_invalid_numbers_refused(self):
        "Invalid numbers are refused where they are typed, not at sending"
        pool = Pool()
        User = pool.get('res.user')
        Message = pool.get('pakn.sms.message')
        self.setup_world()
        with self.assertRaises(MobileNumberError) as cm:
            User.create([{'login': 'x', 'name': 'x',
                        'pakn_mobile': '024 3825 3536'}])
        self.assertIn('024 3825 3536', str(cm.exception))
        self.assertEqual(User.search([('login', '=', 'x')]), [])
        with self.assertRaises(PhoneNumberError):
            self.new_ticket(submitter_phone='0912 34')
        # a landline is a valid case: it says no SMS will reach it
        ticket = self.new_ticket(submitter_phone='024 3825 3536')
        self.assertFalse(ticket.submitter_sms)
        self.assertTrue(self.new_ticket().submitter_sms)
        self.click('request_clarification', ticket,
            clarification_request="Đề nghị cho biết số nhà")
        self.assertEqual(self.messages(ticket), [])
        with self.assertRaises(MobileNumberError):
            Message.create([{
                        'recipient': '02438253536', 'body': 'x',
                        'ticket': ticket.id, 'key': 'k',
                        'encoding': 'gsm7', 'segments': 1,
                        'next_attempt': T0, 'expires_at': T0,
                        }])

    @with_transaction()
    def test_gateway_misconfiguration(self):
        "A gateway that cannot work is refused with the reason"
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        http = HttpGateway().gateway_values()
        for values, fragment in [
                ({**http, 'http_url': 'localhost/send'}, 'http://'),
                ({**http, 'http_body': '{"to": "${msisdn}"'}, 'JSON'),
                ({**http, 'http_body': '["${text}"]'}, 'JSON'),
                ({**http, 'http_body': '{"to": "${phone}"}'}, 'phone'),
                ({**http, 'http_success_status': 'OK'}, 'OK'),
                ({**http, 'http_status_url': 'http://h/s?id=${to}'},
                    '${reference}'),
                ({'name': 'S', 'kind': 'smpp', 'sender': '1022',
                        'smpp_host': 'smsc', 'smpp_port': 70000,
                        'smpp_system_id': 'pakn'}, '70000'),
                ({'name': 'S', 'kind': 'smpp', 'sender': 'UBND TINH GIA LAI',
                        'smpp_host': 'smsc', 'smpp_port': 2775,
                        'smpp_system_id': 'pakn'}, 'UBND TINH GIA LAI'),
                ({'name': 'F', 'kind': 'file', 'sender': '1022',
                        'file_path': 'sms.log'}, 'sms.log'),
                ({'name': 'F', 'kind': 'file', 'sender': '1022',
                        'file_path': '/nonexistent/sms.log'}, '/nonexistent'),
                ]:
            with self.subTest(fragment=fragment):
                with self.assertRaises(GatewayValidationError) as cm:
                    Gateway.create([values])
                self.assertIn(fragment, str(cm.exception))
        gateway, = Gateway.create([http])
        self.assertEqual(gateway.kind, 'http')

    def run_test_wizard(self, gateway, recipient='0912345678'):
        "Send a test message through gateway with the wizard"
        pool = Pool()
        Test = pool.get('pakn.sms.gateway.test', type='wizard')
        with Transaction().set_context(
                active_model='pakn.sms.gateway', active_id=gateway.id,
                active_ids=[gateway.id]):
            session_id, _, _ = Test.create()
            test = Test(session_id)
            test.start.recipient = recipient
            test.start.text = "Thử cổng SMS"
            self.assertEqual(test.transition_send(), 'done')
            return test.start.result

    @with_transaction()
    def test_gateway_test_message(self):
        "The test button sends at once, or tells clearly what is wrong"
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        with HttpGateway() as server:
            good, wrong_token = Gateway.create([
                    server.gateway_values(),
                    server.gateway_values(
                        name="Wrong token", http_header_value='Bearer x'),
                    ])
            self.assertIn('M0001', self.run_test_wizard(good))
            self.assertEqual(server.accepted[0]['to'], '84912345678')
            self.assertEqual(server.accepted[0]['text'], "Thử cổng SMS")
            with self.assertRaises(GatewayTestError) as cm:
                self.run_test_wizard(wrong_token)
            self.assertIn('401', str(cm.exception))
        down, = Gateway.create([HttpGateway().gateway_values(
                    name="Down", http_url='http://127.0.0.1:%s/send'
                    % free_port())])
        with self.assertRaises(GatewayTestError) as cm:
            self.run_test_wizard(down)
        self.assertIn('Down', str(cm.exception))
        self.assertIn('refused', str(cm.exception))
        with self.assertRaises(MobileNumberError):
            self.run_test_wizard(good, recipient='024 3825 3536')

    @with_transaction()
    def test_template_variables_checked(self):
        "A template with an unknown variable is refused; the cost shows"
        pool = Pool()
        Template = pool.get('pakn.sms.template')
        Gateway = pool.get('pakn.sms.gateway')
        Configuration = pool.get('pakn.configuration')
        with self.assertRaises(TemplateValidationError) as cm:
            Template.create([{
                        'name': 'x', 'code': 'x', 'event_type': 'forwarded',
                        'recipients': 'submitter',
                        'body': "PAKN ${code} của ${citizen}",
                        }])
        self.assertIn('citizen', str(cm.exception))
        template, = Template.search([('code', '=', 'published')])
        self.assertEqual(template.preview_encoding, "UCS-2")
        self.assertEqual(template.preview_segments, 2)
        config = Configuration(1)
        config.sms_gateway, = Gateway.create([{
                    'name': 'F', 'kind': 'file', 'sender': '1022',
                    'file_path': os.path.join(self.folder.name, 'f.log'),
                    'unicode': False, 'price': 250,
                    }])
        config.save()
        template = Template(template.id)
        self.assertEqual(template.preview_encoding, "GSM 7-bit")
        self.assertEqual(template.preview_segments, 1)
        self.assertEqual(template.preview_cost, 250)

    # A case's life

    @with_transaction()
    def test_life_of_a_case(self):
        "Each step of a case sends its message to the right numbers"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('GL2021')
        ticket = self.new_ticket(
            coordinating_units=[('add', [self.partner_unit.id])])
        self.assertEqual(self.messages(ticket), [])
        ticket = self.click('forward', ticket)
        self.assertEqual(self.by_template(ticket), [
                ('forwarded', FOCAL), ('forwarded', PARTNER)])
        forwarded = self.messages(ticket)[0]
        self.assertEqual(forwarded.body,
            "PAKN %s chuyển Sở Xây dựng xử lý: Đường Trần Hưng Đạo ngập "
            "sâu sau mưa, đề nghị nạo vét cống… Hạn: 09:00 17/11/2026."
            % ticket.code)
        self.assertEqual(forwarded.encoding, 'ucs2')
        self.assertEqual(forwarded.segments, 2)
        self.assertEqual(forwarded.state, 'queued')
        self.assertEqual(forwarded.next_attempt, T0)
        self.assertEqual(forwarded.expires_at, T0 + dt.timedelta(hours=24))
        self.send(T0)
        self.assertEqual(
            {m.state for m in self.messages(ticket)}, {'sent'})

        # GL2021: the focal point is silent 8 working hours, then the head
        self.sweep(local(2026, 11, 17, 9, 0))
        self.assertEqual(self.by_template(ticket)[2:], [('escalated', HEAD)])
        self.assertIn("Thủ trưởng Sở Xây dựng",
            self.messages(ticket, recipient=HEAD)[0].body)
        self.sweep(local(2026, 11, 18, 9, 0))
        self.assertEqual(self.by_template(ticket)[3:], [
                ('escalated_office', OFFICE)])
        # the sweep running again sends nothing more
        self.sweep(local(2026, 11, 18, 10, 0))
        self.assertEqual(len(self.messages(ticket)), 4)

        # another case: the unit extends (the citizen is told the new date)
        # and is reminded 24 hours before it ends; the answer is published
        ticket = self.click('forward', self.new_ticket())
        with self.at(local(2026, 11, 16, 10, 0)):
            promised = Ticket.apply_extension(
                Ticket(ticket.id), 4, "Cần khảo sát hiện trường")
        extended, = self.messages(ticket, template=self._template('extended'))
        self.assertEqual(extended.recipient, CITIZEN)
        self.assertEqual(extended.body,
            "1022: PAKN %s được gia hạn xử lý đến 10:00 20/11/2026."
            % ticket.code)
        # GL2021: counted from the reply (Đ11 k3)
        self.assertEqual(promised, local(2026, 11, 20, 10, 0))
        self.sweep(promised - dt.timedelta(hours=24))
        reminder, = self.messages(ticket, template=self._template('reminder'))
        self.assertEqual(reminder.recipient, FOCAL)
        self.assertIn("hết hạn lúc 10:00 20/11/2026", reminder.body)
        ticket = self.click(
            'accept', ticket, local(2026, 11, 19, 10, 0), user=self.focal)
        ticket = self.click('submit', ticket, local(2026, 11, 19, 11, 0),
            user=self.focal, result="Đã nạo vét cống ngày 19/11/2026.")
        ticket = self.click(
            'approve', ticket, local(2026, 11, 19, 14, 0), user=self.head)
        ticket = self.click('publish', ticket, local(2026, 11, 19, 15, 0))
        published, = self.messages(
            ticket, template=self._template('published'))
        self.assertEqual(published.recipient, CITIZEN)
        self.assertEqual(published.body,
            "1022: PAKN %s đã có kết quả trả lời, xem tại "
            "https://1022.example.gov.vn/tra-cuu/%s" % (
                ticket.code, ticket.code))
        self.assertEqual([t for t, _ in self.by_template(ticket)], [
                'forwarded', 'extended', 'reminder', 'published'])

        # rejection and clarification go to the citizen with the reason
        rejected = self.click('reject', self.new_ticket(),
            reject_reason="Nội dung là khiếu nại",
            guidance="Gửi đơn đến Thanh tra tỉnh")
        message, = self.messages(rejected)
        self.assertEqual((message.recipient, message.body), (CITIZEN,
                "1022: PAKN %s không được tiếp nhận. Lý do: Nội dung là "
                "khiếu nại" % rejected.code))
        unclear = self.click('request_clarification', self.new_ticket(),
            clarification_request="Đề nghị cho biết số nhà cụ thể")
        message, = self.messages(unclear)
        self.assertEqual(message.body, "1022: PAKN %s cần bổ sung: Đề nghị "
            "cho biết số nhà cụ thể" % unclear.code)

        # every message goes out once through the file gateway, in order,
        # but those older than their validity expired instead
        instant = local(2026, 11, 19, 15, 1)
        self.send(instant)
        with open(self.gateway.file_path, encoding='utf-8') as file:
            lines = [json.loads(line) for line in file]
        sent = self.messages(state='sent')
        self.assertEqual(
            [line['reference'] for line in lines],
            [m.reference for m in sent])
        self.assertEqual(lines[0]['text'], forwarded.body)
        self.assertEqual(lines[0]['to'], FOCAL)
        for message in self.messages():
            if message.sent_at != T0:
                self.assertEqual(message.state, 'expired'
                    if message.expires_at < instant else 'sent')
        self.assertEqual(
            {m.template.code for m in self.messages(state='expired')},
            {'escalated', 'escalated_office', 'forwarded', 'extended',
                'rejected', 'clarification'})
        self.assertEqual(
            {m.template.code for m in sent},
            {'forwarded', 'reminder', 'published'})
        self.send(local(2026, 11, 19, 15, 5))
        with open(self.gateway.file_path, encoding='utf-8') as file:
            self.assertEqual(len(file.readlines()), len(sent))

    @with_transaction()
    def test_reason_for_delay_to_the_office(self):
        "KH2022 Đ3 k5: the lead unit's reason for a delay reaches the office"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Wizard = pool.get('pakn.ticket.explain_delay', type='wizard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.setup_world('KH2022')
        User.write([self.focal], {'groups': [('add', [ModelData.get_id(
                            'pakn_helpdesk', 'group_specialist')])]})
        ticket = self.new_ticket(
            coordinating_units=[('add', [self.partner_unit.id])])
        ticket = self.click('forward', ticket)
        ticket = self.click('accept', ticket, user=self.focal)
        # 5 working days from Monday 16, 09:00 (Tuesday 24 is off)
        self.sweep(local(2026, 11, 24, 9, 0))
        self.assertTrue(Ticket(ticket.id).delay_reason_needed)
        with self.at(local(2026, 11, 24, 10, 0)), \
                Transaction().set_user(self.focal.id), \
                Transaction().set_context(
                    active_model='pakn.ticket', active_id=ticket.id,
                    active_ids=[ticket.id]):
            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            wizard.start.text = "Chờ Sở Y tế lấy mẫu nước xét nghiệm."
            wizard.transition_apply()
        message, = self.messages(
            ticket, template=self._template('delay_explained'))
        self.assertEqual(message.recipient, OFFICE)
        self.assertEqual(message.body,
            "PAKN %s trễ hạn, Sở Xây dựng báo cáo lý do chậm: Chờ Sở Y tế "
            "lấy mẫu nước xét nghiệm." % ticket.code)

    def _template(self, code):
        pool = Pool()
        Template = pool.get('pakn.sms.template')
        template, = Template.search([('code', '=', code)])
        return template.id

    @with_transaction()
    def test_state_secret_and_idempotence(self):
        "No message for a state-secret case; queueing twice adds nothing"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        self.setup_world()
        ticket = self.click('forward', self.new_ticket())
        events = list(ticket.events)
        count = len(self.messages(ticket))
        self.assertEqual(Message.notify(events), [])
        self.assertEqual(len(self.messages(ticket)), count)
        secret = self.new_ticket(
            state_secret=True, secret_reference="12/MẬT",
            submitter_phone=None, submitter_name=None, content=None)
        self.click('forward', secret)
        self.assertEqual(self.messages(secret), [])

    @with_transaction()
    def test_quiet_hours_and_urgent(self):
        "At night messages wait for the morning, except urgent incidents"
        self.setup_world('KH2022')
        night = local(2026, 11, 16, 22, 30)
        morning = local(2026, 11, 17, 7, 0)
        calm = self.click('forward', self.new_ticket(night), night)
        urgent = self.click(
            'forward', self.new_ticket(night, urgent=True), night)
        self.assertEqual(
            {m.next_attempt for m in self.messages(calm)}, {morning})
        self.assertEqual(
            {m.next_attempt for m in self.messages(urgent)}, {night})
        self.send(night + dt.timedelta(minutes=1))
        self.assertEqual(
            {m.state for m in self.messages(calm)}, {'queued'})
        self.assertEqual(
            {m.state for m in self.messages(urgent)}, {'sent'})
        self.send(morning)
        self.assertEqual({m.state for m in self.messages(calm)}, {'sent'})

    @with_transaction()
    def test_expired_not_sent(self):
        "A message not sent within its validity expires"
        self.setup_world()
        ticket = self.click('forward', self.new_ticket())
        self.send(T0 + dt.timedelta(hours=24, minutes=1))
        message, = self.messages(ticket)
        self.assertEqual(message.state, 'expired')
        self.assertFalse(os.path.exists(self.gateway.file_path))

    @with_transaction()
    def test_access(self):
        "Staff read the messages of the cases they read, change none"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.setup_world()
        ours = self.click('forward', self.new_ticket())
        theirs = self.click('forward', self.new_ticket(
                lead_unit=self.partner_unit.id))
        User.write([self.focal], {'groups': [('add', [ModelData.get_id(
                            'pakn_helpdesk', 'group_specialist')])]})
        other = self.messages(theirs)[0].id
        with Transaction().set_user(self.focal.id), check_access():
            found = Message.search([])
            self.assertEqual({m.ticket.id for m in found}, {ours.id})
            self.assertEqual(
                Message.read([found[0].id], ['recipient'])[0]['recipient'],
                FOCAL)
            with self.assertRaises(AccessError):
                Message.write(found, {'body': "sửa"})
            with self.assertRaises(AccessError):
                Message.read([other], ['body'])

    # The sender against real gateways

    @with_transaction()
    def test_http_success(self):
        "Accepted messages are sent with the provider's id"
        with HttpGateway() as server:
            self.http_world(server)
            self.send(T0)
        self.assert_once_in_order(server)
        ids = {m['client_ref']: m['id'] for m in server.accepted}
        for message in self.messages():
            self.assertEqual(message.provider_id, ids[message.reference])
            self.assertEqual(message.attempts, 1)
        self.assertEqual(server.accepted[0]['from'], '1022 TEST')

    @with_transaction()
    def test_http_error_then_retry(self):
        "HTTP 500 is retried after a growing wait, in order per recipient"
        with HttpGateway() as server:
            self.http_world(server)
            server.plan = ['error']
            self.send(T0)
            first, *others = self.messages()
            self.assertEqual(first.state, 'queued')
            self.assertEqual(first.attempts, 1)
            self.assertEqual(first.next_attempt, T0 + dt.timedelta(seconds=60))
            self.assertIn('500', first.last_error)
            # the focal point's later messages wait behind the first one
            self.assertEqual(
                [(m.recipient, m.state) for m in others],
                [(PARTNER, 'sent'), (FOCAL, 'queued'), (FOCAL, 'queued')])
            server.plan = ['error']
            self.send(T0 + dt.timedelta(seconds=60))
            self.assertEqual(self.messages()[0].next_attempt,
                T0 + dt.timedelta(seconds=60 + 120))
            self.send(T0 + dt.timedelta(seconds=100))
            self.assertEqual(self.messages()[0].state, 'queued')
            self.send(T0 + dt.timedelta(seconds=180))
        self.assert_once_in_order(server)
        self.assertEqual(self.messages()[0].attempts, 3)

    @with_transaction()
    def test_http_timeout_reconciled(self):
        "A timeout leaves the message sending; the lookup settles it once"
        with HttpGateway(delay=1.5) as server:
            self.http_world(server)
            server.plan = ['timeout']
            self.send(T0)
            first = self.messages()[0]
            self.assertEqual(first.state, 'sending')
            self.assertIn('1.0', first.last_error)
            self.send(T0 + dt.timedelta(minutes=1))
        self.assert_once_in_order(server)
        self.assertEqual(len(server.requests), len(self.messages()))

    @with_transaction()
    def test_http_malformed_and_cut(self):
        "Unreadable answers and cut connections are settled by lookup"
        with HttpGateway() as server:
            self.http_world(server)
            server.plan = ['malformed', 'cut']
            self.send(T0)
            self.assertEqual(
                [m.state for m in self.messages()][:2],
                ['sending', 'sending'])
            self.assertIn('<html>OK', self.messages()[0].last_error)
            self.send(T0 + dt.timedelta(minutes=1))
        self.assert_once_in_order(server)
        self.assertEqual(len(server.requests), len(self.messages()))

    @with_transaction()
    def test_http_dropped_resent_once(self):
        "A message the provider never got (lookup: not found) goes again"
        with HttpGateway() as server:
            self.http_world(server)
            server.plan = ['drop']
            self.send(T0)
            first = self.messages()[0]
            self.assertEqual(first.state, 'sending')
            self.assertEqual(server.accepted[0]['client_ref'],
                self.messages()[1].reference)
            self.send(T0 + dt.timedelta(minutes=1))
            self.assertEqual(self.messages()[0].attempts, 2)
        self.assert_once_in_order(server)

    @with_transaction()
    def test_http_refused_then_resent(self):
        "Refused by the provider: failed for a person, who resends it"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        with HttpGateway() as server:
            self.http_world(server)
            server.plan = ['refuse']
            self.send(T0)
            refused = self.messages()[0]
            self.assertEqual(refused.state, 'failed')
            self.assertIn('99', refused.last_error)
            with self.assertRaises(UserError):
                Message.resend([self.messages()[1]])
            with self.at(T0 + dt.timedelta(minutes=5)):
                Message.resend([refused])
            self.assertEqual(Message(refused.id).state, 'queued')
            self.send(T0 + dt.timedelta(minutes=5))
        references = [m['client_ref'] for m in server.accepted]
        self.assertEqual(sorted(references),
            sorted(m.reference for m in self.messages()))
        self.assertEqual(references[-1], refused.reference)
        self.assertEqual(Message(refused.id).state, 'sent')

    @with_transaction()
    def test_http_down_then_up(self):
        "A gateway down for several attempts: all delivered once, in order"
        server = HttpGateway()
        server.start()
        tickets = self.http_world(server)
        server.stop()
        instant = T0
        for attempt in range(4):
            self.send(instant)
            instant += dt.timedelta(seconds=60 * 2 ** attempt)
        errors = {m.last_error for m in self.messages()
            if m.last_error}
        self.assertTrue(errors)
        self.assertTrue(all('refused' in e for e in errors), errors)
        self.assertEqual({m.state for m in self.messages()}, {'queued'})
        more = self.click('forward', self.new_ticket(instant), instant)
        server.start()
        try:
            for _ in range(3):
                self.send(instant)
                instant += dt.timedelta(minutes=20)
        finally:
            server.stop()
        self.assert_once_in_order(server)
        self.assertTrue(self.messages(more))
        self.assertEqual(len(tickets), 3)

    @with_transaction()
    def test_http_without_lookup_fails_safe(self):
        "Without a lookup URL, a lost answer is failed, never sent twice"
        with HttpGateway() as server:
            self.http_world(server, http_status_url=None)
            server.plan = ['cut']
            self.send(T0)
            self.send(T0 + dt.timedelta(minutes=1))
            first = self.messages()[0]
            self.assertEqual(first.state, 'failed')
            self.assertIn('check with the provider', first.last_error)
        self.assertEqual(
            [m['client_ref'] for m in server.accepted].count(
                first.reference), 1)

    @with_transaction()
    def test_unknown_kind_fails_permanently(self):
        "A gateway of a kind no module handles fails the message, saying so"
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        gateway = Gateway(name="Gone", kind='gone', sender='1022')
        with self.assertRaises(SendError) as cm:
            gateway.send(None)
        self.assertEqual(cm.exception.outcome, 'permanent')
        self.assertIn('"gone"', str(cm.exception))

    @with_transaction()
    def test_rate_limit(self):
        "Submissions through a gateway keep its rate"
        with HttpGateway() as server:
            self.http_world(server, rate_limit=600)
            self.send(T0)
        self.assert_once_in_order(server)
        instants = [m['at'] for m in server.accepted]
        gaps = [b - a for a, b in zip(instants, instants[1:])]
        self.assertTrue(all(g >= 0.09 for g in gaps), gaps)

    def smpp_world(self, smsc, timeout):
        "The province sends through smsc; a case whose slip is 3 segments"
        pool = Pool()
        Template = pool.get('pakn.sms.template')
        self.setup_world(gateway={
                'name': "SMSC", 'kind': 'smpp', 'sender': '1022GL',
                'smpp_host': '127.0.0.1', 'smpp_port': smsc.port,
                'smpp_system_id': 'pakn', 'smpp_password': 'secret',
                'timeout': timeout,
                })
        Template.write(
            Template.search([('code', '=', 'forwarded')]),
            {'body': "${content}", 'content_length': 500})
        return self.click('forward', self.new_ticket(content=LONG_VIETNAMESE))

    @with_transaction()
    def test_smpp(self):
        "SMPP: a 3-segment Vietnamese message, then its delivery receipts"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        with TestSMSC(system_id='pakn', password='secret') as smsc:
            ticket = self.smpp_world(smsc, timeout=2.0)
            message, = self.messages(ticket)
            self.assertEqual(message.body, LONG_VIETNAMESE)
            self.assertEqual((message.encoding, message.segments),
                ('ucs2', 3))
            self.send(T0)
            message = Message(message.id)
            self.assertEqual(message.state, 'sent')
            ids = message.provider_id.split()
            self.assertEqual(len(ids), 3)
            self.assertEqual(len(smsc.submissions), 3)
            self.assertEqual(
                {s['data_coding'] for s in smsc.submissions}, {8})
            received, = smsc.messages
            self.assertEqual(received['message_ids'], ids)
            self.assertEqual(received['text'], LONG_VIETNAMESE)
            self.assertEqual(received['destination_addr'], '84912000001')
            self.assertEqual(received['source_addr'], '1022GL')
            with self.at(T0 + dt.timedelta(minutes=5)):
                Message.fetch_receipts()
            message = Message(message.id)
            self.assertEqual(message.state, 'delivered')
            self.assertEqual(
                message.delivered_at, T0 + dt.timedelta(minutes=5))
            self.assertEqual(len(message.receipts.splitlines()), 3)

    @with_transaction()
    def test_smpp_answer_lost(self):
        "SMPP: a part accepted but its answer lost is never submitted again"
        with TestSMSC(system_id='pakn', password='secret') as smsc:
            ticket = self.smpp_world(smsc, timeout=0.5)
            smsc.mute_after = 1
            self.send(T0)
            message, = self.messages(ticket)
            self.assertEqual(message.state, 'sending')
            self.assertEqual(len(smsc.submissions), 2)
            smsc.mute_after = None
            self.send(T0 + dt.timedelta(minutes=1))
            message, = self.messages(ticket)
            self.assertEqual(message.state, 'failed')
            self.assertIn('check with the provider', message.last_error)
            self.send(T0 + dt.timedelta(minutes=2))
            self.assertEqual(len(smsc.submissions), 2)

    # Vietnamese

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a Vietnamese translation"
        self.assertEqual(missing_translations('pakn_sms'), [])

    @with_transaction()
    def test_errors_in_vietnamese(self):
        "Refusals and sending errors speak Vietnamese"
        pool = Pool()
        User = pool.get('res.user')
        load_vietnamese()
        with Transaction().set_context(language='vi'):
            with self.assertRaises(MobileNumberError) as cm:
                User.create([{'login': 'x', 'name': 'x',
                            'pakn_mobile': '024 3825 3536'}])
        self.assertIn("không phải số di động", str(cm.exception))
        self.assertIn("024 3825 3536", str(cm.exception))


del ModuleTestCase
