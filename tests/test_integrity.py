# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The record cannot be bent over JSON-RPC: after approval the answer, the
approver and the confidentiality are refused to every role, the published
and tracked texts stay identical; intake data are corrected only through
their step; a published case marked confidential leaves the portal at
once. Against a real trytond on loopback, and the Flask portal on the same
database, on the backend of the run."""
import os
import re
import unittest

from trytond import config
from trytond.pool import Pool

from .trytond_server import ROOT, RpcError, TrytonServer, run_database

DATABASE = run_database('test_pakn_integrity')
FIXTURE = os.path.join(ROOT, 'tests', 'integrity_fixture.py')
ROLES = ['operator', 'spec_a', 'leader_a', 'spec_b', 'office', 'pakn_admin']
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Pool.stop before flask-tryton replaced it
_frozen = []


class IntegrityTestCase(unittest.TestCase):
    "The workflow owns what it decides"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrytonServer(DATABASE, FIXTURE).start()
        cls.data = cls.server.data
        cls.cases = cls.data['cases']
        cls.clients = {}

    @classmethod
    def tearDownClass(cls):
        if _frozen:
            Pool.stop = _frozen.pop()
            Pool.stop(DATABASE)
            config.set('database', 'path', cls._path)
        cls.server.stop()
        super().tearDownClass()

    def client(self, login):
        if login not in self.clients:
            self.clients[login] = self.server.client(
                login, self.data['password'])
        return self.clients[login]

    def read(self, case, names):
        record, = self.client('office').call(
            'model.pakn.ticket.read', [self.cases[case]], names, {})
        return record

    def events(self, case):
        return self.read(case, ['events'])['events']

    def assertRefused(self, login, case, values):
        before = self.read(case, list(values) + ['state'])
        events = self.events(case)
        with self.assertRaises(RpcError, msg=(login, values)) as cm:
            self.client(login).call('model.pakn.ticket.write',
                [self.cases[case]], values, {})
        self.assertEqual(self.read(case, list(values) + ['state']), before)
        self.assertEqual(self.events(case), events)
        return str(cm.exception)

    def wizard(self, login, name, case, data, state):
        "Run the wizard name on the case to the state with data"
        client = self.client(login)
        context = {
            'active_model': 'pakn.ticket',
            'active_id': self.cases[case],
            'active_ids': [self.cases[case]],
            }
        session, *_ = client.call('wizard.%s.create' % name, context)
        try:
            # as the client does: the form's defaults, changed by the user
            view = client.call('wizard.%s.execute' % name, session, {},
                'start', context)['view']
            values = {k: v for k, v in view['defaults'].items()
                if '.' not in k}
            values.update(data)
            return client.call('wizard.%s.execute' % name, session,
                {'start': values}, state, context)
        finally:
            client.call('wizard.%s.delete' % name, session, context)

    def portal(self):
        "The Flask portal on the server's database"
        if not _frozen:
            type(self)._path = config.get('database', 'path')
            config.set('database', 'path', self.server.tmp)
            _frozen.append(Pool.__dict__['stop'])
            from trytond.modules.pakn_portal.site import create_app
            type(self).app = create_app({
                    'TRYTON_DATABASE': DATABASE,
                    'SECRET_KEY': 'integrity-test-secret',
                    'PORTAL_STATISTICS_CACHE': 0,
                    }, instance_path=self.server.tmp)
        return self.app.test_client()

    def test_state_refused_to_every_role(self):
        "Writing the state is refused to every role, even the admin"
        for login in ROLES:
            message = self.assertRefused(
                login, 'processing', {'state': 'approved'})
            if login in {'spec_a', 'leader_a', 'office', 'operator'}:
                self.assertIn('State', message)

    def test_approved_answer_frozen(self):
        "After approval, the answer, the approver and the result are fixed"
        approver = self.data['users']['spec_a']
        changes = [
            {'answer_text': "Câu trả lời đã bị sửa."},
            {'result': "Kết quả khác."},
            {'approved_by': approver},
            {'approved_at': '2026-01-01 00:00:00'},
            {'confidential': True},
            {'state': 'published'},
            ]
        names = sorted({n for c in changes for n in c})
        before = self.read('approved', names + ['events'])
        for login in ROLES:
            for values in changes:
                with self.assertRaises(RpcError, msg=(login, values)):
                    self.client(login).call('model.pakn.ticket.write',
                        [self.cases['approved']], values, {})
        self.assertEqual(self.read('approved', names + ['events']), before)

    def test_published_and_tracked_identical(self):
        "The public answer and the tracked answer are the approved one"
        for login in ROLES:
            self.assertRefused(
                login, 'published', {'answer_text': "Đã sửa sau khi đăng."})
        record = self.read('published', ['answer_text', 'code'])
        publications = self.client('office').call(
            'model.pakn.portal.publication.search_read',
            [('ticket', '=', self.cases['published'])], 0, None, None,
            ['answer'], {})
        self.assertEqual(publications[0]['answer'], record['answer_text'])
        approved = [e for e in self.client('office').call(
                'model.pakn.ticket.event.read', self.events('published'),
                ['type', 'content'], {}) if e['type'] == 'approved']
        self.assertEqual(approved[0]['content'], record['answer_text'])
        client = self.portal()
        token = CSRF.search(client.get('/tra-cuu').get_data(as_text=True))
        response = client.post('/tra-cuu', data={
                'csrf_token': token.group(1),
                'code': record['code'], 'phone': self.data['phone']},
            follow_redirects=True)
        page = response.get_data(as_text=True)
        self.assertIn("Đã sửa chữa đoạn ống nước bị vỡ.", page)
        self.assertNotIn("Đã sửa sau khi đăng", page)

    def test_evidence_fixed_after_approval(self):
        "The evidence named by the approved answer cannot change"
        ticket = self.cases['approved']
        leader = self.client('leader_a')
        with self.assertRaises(RpcError) as cm:
            leader.call('model.ir.attachment.create', [{
                        'name': 'them-sau-phe-duyet.png',
                        'resource': 'pakn.ticket,%s' % ticket,
                        'type': 'data', 'data': None,
                        'pakn_kind': 'evidence',
                        }], {})
        self.assertIn('evidence', str(cm.exception))
        # an internal note may still be added, and not turned into evidence
        note, = leader.call('model.ir.attachment.create', [{
                    'name': 'ghi-chu.txt',
                    'resource': 'pakn.ticket,%s' % ticket,
                    'type': 'data', 'data': None,
                    'pakn_kind': 'internal',
                    }], {})
        with self.assertRaises(RpcError):
            leader.call('model.ir.attachment.write', [note],
                {'pakn_kind': 'evidence'}, {})
        evidence = self.client('office').call('model.ir.attachment.search', [
                ('resource', '=', 'pakn.ticket,%s' % ticket),
                ('pakn_kind', '=', 'evidence'),
                ], 0, None, None, {})
        self.assertEqual(evidence, [])

    def test_intake_refused_then_corrected(self):
        "Intake data change only through the correction, with an event"
        for login in ['spec_a', 'leader_a', 'operator', 'office']:
            self.assertRefused(login, 'processing', {
                    'submitter_phone': '0987654321'})
            self.assertRefused(login, 'processing', {
                    'content': "Nội dung khác."})
        # the specialist may not use the step
        with self.assertRaises(RpcError):
            self.wizard('spec_a', 'pakn.ticket.correct_intake',
                'processing', {'reason': "x"}, 'correct')
        # without a reason, nothing changes
        before = self.read('processing', ['submitter_phone'])
        with self.assertRaises(RpcError):
            self.wizard('operator', 'pakn.ticket.correct_intake',
                'processing', {'submitter_phone': '0987 654 321',
                    'reason': ''}, 'correct')
        self.assertEqual(self.read('processing', ['submitter_phone']), before)
        self.wizard('operator', 'pakn.ticket.correct_intake', 'processing', {
                'submitter_phone': '0987 654 321',
                'reason': "Tổng đài viên gõ nhầm số điện thoại.",
                }, 'correct')
        record = self.read('processing', ['submitter_phone', 'events'])
        self.assertEqual(record['submitter_phone'], '+84987654321')
        event, = self.client('office').call('model.pakn.ticket.event.read',
            record['events'][-1:], ['type', 'note', 'content', 'user'], {})
        self.assertEqual(event['type'], 'intake_corrected')
        self.assertEqual(event['note'], "Tổng đài viên gõ nhầm số điện thoại.")
        self.assertIn('+84903123456', event['content'])
        self.assertIn('+84987654321', event['content'])
        self.assertEqual(event['user'], self.data['users']['operator'])

    def test_confidentiality_lowered_by_office_only(self):
        "Confidentiality is lowered only by the office, with a reason"
        for login in ROLES:
            self.assertRefused(login, 'confidential', {'confidential': False})
        with self.assertRaises(RpcError):
            self.wizard('leader_a', 'pakn.ticket.confidentiality',
                'confidential', {'reason': "Không cần bảo mật."}, 'apply')
        with self.assertRaises(RpcError):
            self.wizard('office', 'pakn.ticket.confidentiality',
                'confidential', {'reason': ''}, 'apply')
        self.assertTrue(self.read('confidential', ['confidential'])[
                'confidential'])
        self.wizard('office', 'pakn.ticket.confidentiality', 'confidential',
            {'reason': "Người gửi đồng ý công khai."}, 'apply')
        self.assertFalse(self.read('confidential', ['confidential'])[
                'confidential'])
        event, = self.client('office').call('model.pakn.ticket.event.read',
            self.events('confidential')[-1:], ['type', 'note'], {})
        self.assertEqual(event, {'id': event['id'],
                'type': 'confidentiality_lowered',
                'note': "Người gửi đồng ý công khai."})

    def test_published_marked_confidential_leaves_portal(self):
        "A published case marked confidential disappears from the portal"
        client = self.portal()
        search = '/cau-tra-loi?q=hung+vuong'
        publication, = self.client('office').call(
            'model.pakn.portal.publication.search',
            [('ticket', '=', self.cases['published'])], 0, None, None, {})
        page = client.get(search).get_data(as_text=True)
        self.assertIn('/cau-tra-loi/%s-' % publication, page)
        self.assertEqual(
            client.get('/cau-tra-loi/%s' % publication).status_code // 100,
            3)
        # the leader of the unit raises it; no reason is needed
        self.wizard('leader_a', 'pakn.ticket.confidentiality', 'published',
            {'reason': None}, 'apply')
        record = self.read('published', ['confidential', 'state'])
        self.assertEqual((record['confidential'], record['state']),
            (True, 'published'))
        self.assertEqual(client.get(
                '/cau-tra-loi/%s' % publication).status_code, 404)
        page = client.get(search).get_data(as_text=True)
        self.assertNotIn('/cau-tra-loi/%s-' % publication, page)
        self.assertFalse(self.client('office').call(
                'model.pakn.portal.publication.search',
                [('ticket', '=', self.cases['published'])], 0, None, None,
                {}))
        event, = self.client('office').call('model.pakn.ticket.event.read',
            self.events('published')[-1:], ['type', 'user'], {})
        self.assertEqual(event['type'], 'confidentiality_raised')
        self.assertEqual(event['user'], self.data['users']['leader_a'])
        # and it cannot be lowered again after approval, even by the office
        with self.assertRaises(RpcError):
            self.wizard('office', 'pakn.ticket.confidentiality', 'published',
                {'reason': "Thử công khai lại."}, 'apply')


if __name__ == '__main__':
    unittest.main()
