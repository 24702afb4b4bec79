# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Announcements: messages without a case, about a record of another
model (a report sent on schedule in pakn_report; a unit here, through an
extension registered for these tests only)."""
import datetime as dt
import json

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.tests import test_tryton
from trytond.transaction import Transaction, check_access

from .test_module import HEAD, OFFICE, T0, SmsWorld

TEXT = "Báo cáo tháng 10 năm 2026 đã được gửi đến email của anh/chị."


class Message(metaclass=PoolMeta):
    __name__ = 'pakn.sms.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['pakn.unit']


class AnnouncementTestCase(SmsWorld, test_tryton.ModuleTestCase):
    "SMS announcements: messages without a case"
    extensions = [Message]

    def announce(self, instant=T0, recipients=(HEAD, OFFICE)):
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        with self.at(instant):
            return Message.announce(self.unit, TEXT, list(recipients))

    @test_tryton.with_transaction()
    def test_announce_and_send(self):
        "Queued once per origin and recipient, sent by the outbox's sender"
        self.setup_world()
        messages = self.announce(recipients=[HEAD, OFFICE, '0912000002'])
        self.assertEqual(
            sorted(m.recipient for m in messages), sorted([HEAD, OFFICE]))
        for message in messages:
            self.assertIsNone(message.ticket)
            self.assertIsNone(message.template)
            self.assertEqual(message.origin, self.unit)
            self.assertEqual(message.state, 'queued')
            self.assertEqual(message.next_attempt, T0)
            self.assertEqual(
                message.expires_at, T0 + dt.timedelta(hours=24))
        # Queueing it again adds nothing
        self.assertEqual(self.announce(T0 + dt.timedelta(hours=1)), [])

        self.send(T0)
        with open(self.gateway.file_path, encoding='utf-8') as file:
            sent = [json.loads(line) for line in file]
        self.assertEqual(sorted(s['to'] for s in sent), sorted([HEAD, OFFICE]))
        self.assertEqual(
            {s['reference'] for s in sent},
            {m.reference for m in messages})
        self.assertEqual({(m.state, m.attempts) for m in self.messages()},
            {('sent', 1)})
        for line in sent:
            # the gateway's encoding: the text as the provider gets it
            self.assertEqual(line['text'], messages[0].body)
            self.assertIn('1', line['text'])

    @test_tryton.with_transaction()
    def test_expired_and_resent(self):
        "An announcement not sent in a day expires and can be resent"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        self.setup_world()
        message, = self.announce(recipients=[OFFICE])
        self.send(T0 + dt.timedelta(hours=24, minutes=1))
        message = Message(message.id)
        self.assertEqual(message.state, 'expired')
        later = T0 + dt.timedelta(days=2)
        with self.at(later):
            Message.resend([message])
        message = Message(message.id)
        self.assertEqual(
            (message.state, message.expires_at),
            ('queued', later + dt.timedelta(hours=24)))
        self.send(later)
        self.assertEqual(Message(message.id).state, 'sent')

    @test_tryton.with_transaction()
    def test_case_or_origin(self):
        "A message is about a case or about an origin"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        self.setup_world()
        with self.assertRaises(UserError):
            Message.create([{
                        'recipient': OFFICE, 'body': TEXT, 'key': 'x',
                        'encoding': 'ucs2', 'segments': 1,
                        'next_attempt': T0, 'expires_at': T0,
                        }])

    @test_tryton.with_transaction()
    def test_access(self):
        """The office and administrators read announcements; operators,
        specialists and leaders do not, and still read their cases'"""
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')

        def group(name):
            return ModelData.get_id('pakn_helpdesk', name)
        self.setup_world()
        ticket = self.click('forward', self.new_ticket())
        case_messages = {m.id for m in self.messages(ticket)}
        self.assertTrue(case_messages)
        announcements = {m.id for m in self.announce()}
        User.write([self.office], {
                'groups': [('add', [group('group_office')])]})
        User.write([self.focal], {
                'groups': [('add', [group('group_specialist')])]})
        User.write([self.head], {
                'groups': [('add', [group('group_leader')])]})
        operator, admin = User.create([{
                    'login': 'operator', 'name': "Tổng đài viên",
                    'groups': [('add', [group('group_operator')])],
                    }, {
                    'login': 'administrator', 'name': "Quản trị",
                    'groups': [('add', [group('group_admin')])],
                    }])
        everything = case_messages | announcements
        for user, expected in [
                (self.office, everything),
                (admin, everything),
                (operator, case_messages),
                (self.focal, case_messages),
                (self.head, case_messages),
                (self.partner, None),
                ]:
            with Transaction().set_user(user.id), check_access():
                if expected is None:
                    with self.assertRaises(AccessError):
                        Message.search([])
                    continue
                self.assertEqual(
                    {m.id for m in Message.search([])}, expected, user.login)
                if announcements - expected:
                    with self.assertRaises(AccessError):
                        Message.read(list(announcements), ['body'])
        with Transaction().set_user(self.office.id), check_access():
            with self.assertRaises(AccessError):
                Message.create([{'recipient': OFFICE, 'body': TEXT}])
