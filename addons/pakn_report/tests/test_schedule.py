# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reports on schedule: produced once a period has ended and sent by
email (XLSX and PDF) to the office and the leaders, read back from a real
SMTP server on loopback; the emails the server refused sent again by the
next run, to those recipients only; the SMS announcing them queued in the
outbox of pakn_sms and sent by its sender."""
import datetime as dt
import email
import email.policy
import io
import json
import os
import smtplib
import socket
import tempfile
import threading
from unittest import mock

import openpyxl
import pypdf
from aiosmtpd.controller import Controller

from trytond import config
from trytond.model.exceptions import AccessError
from trytond.modules.pakn_report.output import COLUMNS, TOTAL
from trytond.modules.pakn_report.schedule import MAX_ATTEMPTS, due_periods
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

from .tools import ProvinceMixin, local

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
PDF = 'application/pdf'
SENDER = 'pakn@tinh.gov.vn'
OFFICE = 'office@tinh.gov.vn'
HEAD = 'head@so.gov.vn'
TITLE = 'Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến nghị – '


class Collector:
    """An aiosmtpd handler that keeps the messages received and refuses
    the recipients of `refuse` with their reply ('451 …', '550 …')"""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address,
            rcpt_options):
        with self.lock:
            reply = self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return '250 OK'

    def take(self):
        with self.lock:
            messages, self.messages = self.messages, []
        return messages


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def pdf_text(data):
    return '\n'.join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def received(data):
    "The cases received in the total row of the first sheet of the XLSX"
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = [r for r in rows if COLUMNS['received'] in r][0]
    total = [r for r in rows if r[0] == TOTAL][0]
    return total[header.index(COLUMNS['received'])]


class ScheduleTestCase(ProvinceMixin, ModuleTestCase):
    "Reports on schedule"
    module = 'pakn_report'
    extras = ['pakn_sms']

    def setUp(self):
        super().setUp()
        self.collector = Collector()
        self.controller = Controller(
            self.collector, hostname='127.0.0.1', port=free_port())
        self.controller.start()
        self.addCleanup(self.controller.stop)
        for option, value in [
                ('uri', 'smtp://127.0.0.1:%s' % self.controller.port),
                ('from', SENDER),
                ]:
            self.addCleanup(
                config.set, 'email', option, config.get('email', option))
            config.set('email', option, value)

    def setup_recipients(self):
        "The office, a leader of the three units, a unit without leader"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.setup_world()
        pool.get('pakn.unit').create([{
                    'name': "Sở Tư pháp", 'code': 'STP',
                    'kind': 'department'}])
        User.write([self.head], {'email': HEAD})
        self.office, = User.create([{
                    'login': 'office', 'name': "Văn phòng",
                    'email': OFFICE,
                    'groups': [('add', [ModelData.get_id(
                                    'pakn_helpdesk', 'group_office')])],
                    }])
        self.new_ticket(local(2026, 9, 10, 9, 0), self.construction)
        self.new_ticket(local(2026, 9, 11, 9, 0), self.health)

    def run_cron(self, instant):
        pool = Pool()
        Report = pool.get('pakn.report')
        with self.at(instant):
            Report.send_scheduled()
        return self.collector.take()

    def mailings(self, **kwargs):
        pool = Pool()
        Mailing = pool.get('pakn.report.mailing')
        return Mailing.search(
            [(k, '=', v) for k, v in kwargs.items()], order=[('id', 'ASC')])

    def recipients(self, messages):
        "The (subject, address) of each message, sorted"
        result = []
        for recipients, message in messages:
            to = message['To'].addresses[0].addr_spec
            self.assertEqual(recipients, [to])
            result.append((message['Subject'], to))
        return sorted(result)

    def expected_recipients(self, addresses):
        "What the run of 1 October 2026 sends to addresses, sorted"
        units = [self.construction.rec_name, self.health.rec_name,
            self.commune.rec_name]
        result = []
        for period in ['Tháng 9 năm 2026', 'Quý III năm 2026']:
            if OFFICE in addresses:
                result.append((TITLE + period, OFFICE))
            if HEAD in addresses:
                result.extend(
                    (TITLE + period + ' – ' + u, HEAD) for u in units)
        return sorted(result)

    def test_due_periods(self):
        "The periods due: those that ended less than three days ago"
        def due(day):
            return [(k, f) for k, f, _, _ in due_periods(day, 'UTC')]
        self.assertEqual(due(dt.date(2026, 10, 1)), [
                ('month', dt.date(2026, 9, 1)),
                ('quarter', dt.date(2026, 7, 1)),
                ])
        self.assertEqual(due(dt.date(2026, 11, 30)), [
                ('week', dt.date(2026, 11, 23))])
        self.assertEqual(due(dt.date(2026, 12, 2)), [
                ('week', dt.date(2026, 11, 23)),
                ('month', dt.date(2026, 11, 1)),
                ])
        self.assertEqual(due(dt.date(2026, 11, 20)), [])

    @with_transaction()
    def test_send_scheduled(self):
        "The reports of the month and quarter that ended, sent once"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_recipients()

        messages = self.run_cron(local(2026, 10, 1, 1, 0))

        for _, message in messages:
            self.assertEqual(message['From'], SENDER)
        self.assertEqual(self.recipients(messages),
            self.expected_recipients({OFFICE, HEAD}))

        province = [m for _, m in messages
            if m['Subject'] == TITLE + 'Tháng 9 năm 2026'][0]
        body = province.get_body(('plain',)).get_content()
        self.assertIn("Kính gửi Văn phòng", body)
        self.assertIn(
            "bao-cao-thang-09-2026.xlsx, bao-cao-thang-09-2026.pdf", body)
        xlsx, pdf = province.iter_attachments()
        self.assertEqual(xlsx.get_content_type(), XLSX)
        self.assertEqual(xlsx.get_filename(), 'bao-cao-thang-09-2026.xlsx')
        self.assertEqual(received(xlsx.get_content()), 2)
        self.assertEqual(pdf.get_content_type(), PDF)
        self.assertEqual(pdf.get_filename(), 'bao-cao-thang-09-2026.pdf')
        self.assertIn('Tháng 9 năm 2026', pdf_text(pdf.get_content()))
        health = [m for _, m in messages
            if m['Subject'].endswith('Tháng 9 năm 2026 – '
                + self.health.rec_name)][0]
        xlsx, pdf = health.iter_attachments()
        self.assertEqual(received(xlsx.get_content()), 1)
        self.assertIn(self.health.rec_name, pdf_text(pdf.get_content()))

        reports = Report.search([('scheduled', '=', True)])
        self.assertEqual(len(reports), 8)
        for record in reports:
            # the record's own file stays the XLSX
            self.assertTrue(record.file_name.endswith('.xlsx'))
            self.assertEqual(record.format, 'xlsx')
        self.assertEqual(
            {(m.state, m.attempts) for m in self.mailings()}, {('sent', 1)})
        self.assertEqual(len(self.mailings()), 8)

        # The same day again, and the next: nothing more
        self.assertEqual(self.run_cron(local(2026, 10, 1, 2, 0)), [])
        self.assertEqual(self.run_cron(local(2026, 10, 2, 1, 0)), [])
        self.assertEqual(
            len(Report.search([('scheduled', '=', True)])), 8)
        self.assertEqual(
            {(m.state, m.attempts) for m in self.mailings()}, {('sent', 1)})

    @with_transaction()
    def test_refused_for_now_sent_again(self):
        "A recipient refused for now (451) gets their emails the next run"
        self.setup_recipients()
        self.collector.refuse[HEAD] = '451 4.3.0 Mailbox busy, try later'

        messages = self.run_cron(local(2026, 10, 1, 1, 0))
        self.assertEqual(self.recipients(messages),
            self.expected_recipients({OFFICE}))
        head = self.mailings(email=HEAD)
        self.assertEqual(len(head), 6)
        for mailing in head:
            self.assertEqual(
                (mailing.state, mailing.attempts), ('queued', 1))
            self.assertIn('451', mailing.last_error)
            self.assertIsNone(mailing.sent_at)

        # Refused again: still queued, one attempt more
        messages = self.run_cron(local(2026, 10, 1, 2, 0))
        self.assertEqual(messages, [])
        self.assertEqual({(m.state, m.attempts)
                for m in self.mailings(email=HEAD)}, {('queued', 2)})

        # Accepted: the head only, each report once
        del self.collector.refuse[HEAD]
        messages = self.run_cron(local(2026, 10, 2, 1, 0))
        self.assertEqual(self.recipients(messages),
            self.expected_recipients({HEAD}))
        self.assertEqual({(m.state, m.attempts, m.last_error)
                for m in self.mailings(email=HEAD)}, {('sent', 3, None)})
        self.assertEqual({(m.state, m.attempts)
                for m in self.mailings(email=OFFICE)}, {('sent', 1)})

        # A further run sends nothing
        self.assertEqual(self.run_cron(local(2026, 10, 3, 1, 0)), [])

    @with_transaction()
    def test_refused_for_good(self):
        """A recipient refused for good (550) is not tried again, nor one
        refused for now MAX_ATTEMPTS times"""
        self.setup_recipients()
        self.collector.refuse[HEAD] = '550 5.1.1 No such user'
        self.collector.refuse[OFFICE] = '421 4.7.0 Try again later'
        self.assertEqual(self.run_cron(local(2026, 10, 1, 1, 0)), [])
        for mailing in self.mailings(email=HEAD):
            self.assertEqual((mailing.state, mailing.attempts), ('failed', 1))
            self.assertIn('550', mailing.last_error)
        for attempt in range(2, MAX_ATTEMPTS + 1):
            self.assertEqual(self.run_cron(local(2026, 10, 1, attempt)), [])
        self.assertEqual({(m.state, m.attempts)
                for m in self.mailings(email=OFFICE)},
            {('failed', MAX_ATTEMPTS)})
        self.collector.refuse.clear()
        self.assertEqual(self.run_cron(local(2026, 10, 2, 1, 0)), [])

    @with_transaction()
    def test_server_down_then_up(self):
        "With the SMTP server unreachable, every email waits for the next run"
        self.setup_recipients()
        uri = config.get('email', 'uri')
        config.set('email', 'uri', 'smtp://127.0.0.1:%s' % free_port())
        self.assertEqual(self.run_cron(local(2026, 10, 1, 1, 0)), [])
        self.assertEqual(
            {(m.state, m.attempts) for m in self.mailings()},
            {('queued', 1)})
        config.set('email', 'uri', uri)
        messages = self.run_cron(local(2026, 10, 1, 2, 0))
        self.assertEqual(self.recipients(messages),
            self.expected_recipients({OFFICE, HEAD}))
        self.assertEqual(
            {(m.state, m.attempts) for m in self.mailings()}, {('sent', 2)})

    @with_transaction()
    def test_interrupted_not_sent_again(self):
        """A mailing left sending (the worker died after handing it to the
        server) is failed, not sent a second time"""
        pool = Pool()
        Mailing = pool.get('pakn.report.mailing')
        self.setup_recipients()
        self.collector.refuse[HEAD] = '451 4.3.0 Mailbox busy, try later'
        self.run_cron(local(2026, 10, 1, 1, 0))
        del self.collector.refuse[HEAD]
        cut, *others = self.mailings(email=HEAD)
        Mailing.write([cut], {'state': 'sending'})

        messages = self.run_cron(local(2026, 10, 1, 2, 0))
        self.assertEqual(len(messages), 5)
        self.assertNotIn(cut.report.mail_title(),
            [m['Subject'] for _, m in messages])
        cut = Mailing(cut.id)
        self.assertEqual(cut.state, 'failed')
        self.assertIn('interrupted', cut.last_error)
        self.assertEqual(self.run_cron(local(2026, 10, 1, 3, 0)), [])

    @with_transaction()
    def test_connection_lost_not_sent_again(self):
        """An email whose outcome is unknown (the connection lost during
        DATA) is failed, not sent a second time"""
        self.setup_recipients()
        data = smtplib.SMTP.data
        cuts = []

        def cut(server, msg):
            if not cuts:
                cuts.append(msg)
                server.close()
                raise smtplib.SMTPServerDisconnected(
                    "Connection unexpectedly closed")
            return data(server, msg)
        with mock.patch.object(smtplib.SMTP, 'data', cut):
            messages = self.run_cron(local(2026, 10, 1, 1, 0))
        self.assertEqual(len(cuts), 1)
        self.assertEqual(len(messages), 7)
        lost, *others = self.mailings()
        self.assertEqual((lost.state, lost.attempts), ('failed', 1))
        self.assertIn('may have been sent', lost.last_error)
        self.assertEqual({m.state for m in others}, {'sent'})
        self.assertEqual(self.run_cron(local(2026, 10, 1, 2, 0)), [])

    @with_transaction()
    def test_mailing_access(self):
        """The office reads the emails of the reports, a leader does not;
        no client changes them"""
        pool = Pool()
        Mailing = pool.get('pakn.report.mailing')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.setup_recipients()
        self.run_cron(local(2026, 10, 1, 1, 0))
        User.write([self.head], {'groups': [('add', [ModelData.get_id(
                            'pakn_helpdesk', 'group_leader')])]})
        mailing = self.mailings()[0]
        with Transaction().set_user(self.office.id), check_access():
            self.assertEqual(len(Mailing.search([])), 8)
            with self.assertRaises(AccessError):
                Mailing.write([Mailing(mailing.id)], {'state': 'queued'})
            with self.assertRaises(AccessError):
                Mailing.delete([Mailing(mailing.id)])
        with Transaction().set_user(self.head.id), check_access():
            with self.assertRaises(AccessError):
                Mailing.search([])

    @with_transaction()
    def test_sms_announcement(self):
        """Each recipient with a mobile number is told by SMS, once their
        email was sent; the office reads these messages, other staff not"""
        pool = Pool()
        User = pool.get('res.user')
        Message = pool.get('pakn.sms.message')
        Gateway = pool.get('pakn.sms.gateway')
        Configuration = pool.get('pakn.configuration')
        ModelData = pool.get('ir.model.data')
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.setup_recipients()
        Message.delete(Message.search([]))
        gateway, = Gateway.create([{
                    'name': "Demo", 'kind': 'file', 'sender': '1022 TEST',
                    'file_path': os.path.join(folder.name, 'sms.log'),
                    }])
        configuration = Configuration(1)
        configuration.sms_gateway = gateway
        configuration.save()
        User.write([self.office], {'pakn_mobile': '0912 000 004'})
        User.write([self.head], {'pakn_mobile': '0912000002'})
        self.collector.refuse[HEAD] = '451 4.3.0 Mailbox busy, try later'

        self.run_cron(local(2026, 10, 1, 1, 0))
        # The head's emails were refused: no SMS says they were sent
        messages = Message.search([], order=[('id', 'ASC')])
        self.assertEqual(
            sorted(m.body for m in messages), sorted([
                    'Tổng đài 1022: báo cáo quý III năm 2026 đã được gửi '
                    'đến email office@tinh.gov.vn.',
                    'Tổng đài 1022: báo cáo tháng 9 năm 2026 đã được gửi '
                    'đến email office@tinh.gov.vn.',
                    ]))
        for message in messages:
            self.assertEqual(message.recipient, '+84912000004')
            self.assertIsNone(message.ticket)
            self.assertEqual(message.origin.__name__, 'pakn.report')
            self.assertIsNone(message.origin.unit)
            self.assertEqual(message.state, 'queued')

        del self.collector.refuse[HEAD]
        self.run_cron(local(2026, 10, 1, 20, 0))
        head = Message.search([('recipient', '=', '+84912000002')])
        self.assertEqual(len(head), 6)
        self.assertIn(
            'Tổng đài 1022: báo cáo tháng 9 năm 2026 – %s đã được gửi '
            'đến email head@so.gov.vn.' % self.commune.rec_name,
            [m.body for m in head])
        # Queueing the same announcement again adds nothing
        self.assertEqual(Message.announce(
                head[0].origin, "again", ['+84912000002']), [])

        # Sent by the outbox's sender
        with self.at(local(2026, 10, 1, 20, 5)):
            Message.send_due()
        with open(gateway.file_path, encoding='utf-8') as file:
            sent = [json.loads(line) for line in file]
        self.assertEqual(len(sent), 8)
        self.assertEqual({m.state for m in Message.search([])}, {'sent'})

        # Announcements are read by the office, not by other staff
        User.write([self.focal], {'groups': [('add', [
                            ModelData.get_id(
                                'pakn_helpdesk', 'group_operator'),
                            ModelData.get_id(
                                'pakn_helpdesk', 'group_specialist'),
                            ])]})
        User.write([self.head], {'groups': [('add', [ModelData.get_id(
                            'pakn_helpdesk', 'group_leader')])]})
        with Transaction().set_user(self.office.id), check_access():
            self.assertEqual(len(Message.search([])), 8)
        for user in [self.focal, self.head]:
            with Transaction().set_user(user.id), check_access():
                self.assertEqual(Message.search([]), [])
                with self.assertRaises(AccessError):
                    Message.read([messages[0].id], ['body'])

    @with_transaction()
    def test_send_scheduled_no_period(self):
        "A day that ends no period sends nothing"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_recipients()
        self.assertEqual(self.run_cron(local(2026, 9, 17, 1, 0)), [])
        self.assertEqual(Report.search([('scheduled', '=', True)]), [])


del ModuleTestCase
