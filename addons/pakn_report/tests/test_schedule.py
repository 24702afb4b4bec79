# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reports on schedule: produced once a period has ended and sent by
email to the office and the leaders, read back from a real SMTP server
on loopback."""
import datetime as dt
import email
import email.policy
import io
import socket
import threading

import openpyxl
from aiosmtpd.controller import Controller

from trytond import config
from trytond.modules.pakn_report.output import COLUMNS, TOTAL
from trytond.modules.pakn_report.schedule import due_periods
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .tools import ProvinceMixin, local

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
SENDER = 'pakn@tinh.gov.vn'


class Collector:
    "An aiosmtpd handler that keeps the messages received"

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

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

    def deliver(self):
        """Send the emails of the transaction as its commit would, without
        committing the test's data"""
        transaction = Transaction()
        managers, transaction._datamanagers = transaction._datamanagers, []
        for step in ['tpc_begin', 'commit', 'tpc_vote', 'tpc_finish']:
            for manager in managers:
                getattr(manager, step)(transaction)
        return self.collector.take()

    def setup_recipients(self):
        "The office, a leader of the three units, a unit without leader"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.setup_world()
        pool.get('pakn.unit').create([{
                    'name': "Sở Tư pháp", 'code': 'STP',
                    'kind': 'department'}])
        User.write([self.head], {'email': 'head@so.gov.vn'})
        self.office, = User.create([{
                    'login': 'office', 'name': "Văn phòng",
                    'email': 'office@tinh.gov.vn',
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
        return self.deliver()

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

        by_subject = {}
        for recipients, message in messages:
            self.assertEqual(message['From'], SENDER)
            to = message['To'].addresses[0].addr_spec
            self.assertEqual(recipients, [to])
            by_subject.setdefault(message['Subject'], []).append(to)
        title = ('Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến nghị'
            ' – ')
        units = [self.construction.rec_name, self.health.rec_name,
            self.commune.rec_name]
        expected = {}
        for period in ['Tháng 9 năm 2026', 'Quý III năm 2026']:
            expected[title + period] = ['office@tinh.gov.vn']
            for unit in units:
                expected[title + period + ' – ' + unit] = [
                    'head@so.gov.vn']
        self.assertEqual(by_subject, expected)

        province = [m for _, m in messages
            if m['Subject'] == title + 'Tháng 9 năm 2026'][0]
        self.assertIn("Kính gửi Văn phòng", province.get_body(
                ('plain',)).get_content())
        attachment, = province.iter_attachments()
        self.assertEqual(attachment.get_content_type(), XLSX)
        self.assertEqual(
            attachment.get_filename(), 'bao-cao-thang-09-2026.xlsx')
        self.assertEqual(received(attachment.get_content()), 2)
        health = [m for _, m in messages
            if m['Subject'].endswith('Tháng 9 năm 2026 – '
                + self.health.rec_name)][0]
        attachment, = health.iter_attachments()
        self.assertEqual(received(attachment.get_content()), 1)

        reports = Report.search([('scheduled', '=', True)])
        self.assertEqual(len(reports), 8)

        # The same day again, and the next: nothing more
        self.assertEqual(self.run_cron(local(2026, 10, 1, 2, 0)), [])
        self.assertEqual(self.run_cron(local(2026, 10, 2, 1, 0)), [])
        self.assertEqual(
            len(Report.search([('scheduled', '=', True)])), 8)

    @with_transaction()
    def test_send_scheduled_no_period(self):
        "A day that ends no period sends nothing"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_recipients()
        self.assertEqual(self.run_cron(local(2026, 9, 17, 1, 0)), [])
        self.assertEqual(Report.search([('scheduled', '=', True)]), [])


del ModuleTestCase
