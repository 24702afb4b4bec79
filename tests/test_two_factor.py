# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Two-factor login over SMS and the privacy of the staff's contacts,
against a real trytond on loopback that runs the demo's login methods
(trytond.conf) and sends SMS through a file gateway."""
import base64
import configparser
import json
import os
import shutil
import tempfile
import unittest
import urllib.error

from .trytond_server import ROOT, JsonRpc, RpcError, TrytonServer, run_database

DATABASE = run_database('test_pakn_two_factor')
SERVER = SMS_FILE = FOLDER = None


def demo_authentications():
    "The login methods of the demo's trytond.conf"
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, 'trytond.conf'))
    return parser.get('session', 'authentications', fallback='password')


def setUpModule():
    "One server for the module: the demo's login methods, SMS to a file"
    global SERVER, SMS_FILE, FOLDER
    FOLDER = tempfile.mkdtemp(prefix='pakn-2fa-')
    SMS_FILE = os.path.join(FOLDER, 'sms.log')
    SERVER = TrytonServer(
        DATABASE, os.path.join(ROOT, 'tests', 'two_factor_fixture.py'),
        config={
            'TRYTOND_SESSION__AUTHENTICATIONS': demo_authentications(),
            })
    SERVER.fixture_args = [SMS_FILE]
    try:
        SERVER.start()
    except Exception:
        shutil.rmtree(FOLDER, ignore_errors=True)
        raise


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(FOLDER, ignore_errors=True)


class TwoFactorTestCase(unittest.TestCase):
    "Leaders give a code sent by SMS; the others their password only"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SERVER
        cls.data = SERVER.data
        cls.password = cls.data['password']
        cls.sms_file = SMS_FILE

    def login(self, login, language='en', **parameters):
        """Call common.db.login as sao does; return ('session', result),
        ('error', the JSON-RPC error) or ('refused', the HTTP status)"""
        parameters.setdefault('password', self.password)
        rpc = JsonRpc(self.server.url, DATABASE)
        try:
            return 'session', rpc.call(
                'common.db.login', login, parameters, language)
        except RpcError as e:
            return 'error', e.args[0]
        except urllib.error.HTTPError as e:
            return 'refused', e.code

    def client(self, login, user_id, session):
        rpc = JsonRpc(self.server.url, DATABASE)
        rpc.session = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        return rpc

    def sent(self):
        "The SMS the file gateway received"
        if not os.path.exists(self.sms_file):
            return []
        with open(self.sms_file, encoding='utf-8') as file:
            return [json.loads(line) for line in file if line.strip()]

    def code_of(self, message):
        text = message['text']
        digits = [w.strip('.,:') for w in text.split()]
        codes = [w for w in digits if w.isdigit() and len(w) == 6]
        self.assertEqual(len(codes), 1, text)
        return codes[0]

    def test_demo_configuration(self):
        "The demo lists the method; as installed, no group asks for a code"
        self.assertEqual(demo_authentications(), 'password+pakn_sms')
        self.assertEqual(self.data['installed_two_factor_groups'], [])
        for login in ['pakn_admin', 'office']:
            kind, result = self.login(login)
            self.assertEqual(kind, 'session', (login, result))
            self.assertEqual(result[0], self.data['users'][login])

    def test_specialist_password_only(self):
        "A specialist (group without the flag) logs in with the password"
        before = len(self.sent())
        kind, result = self.login('specialist')
        self.assertEqual(kind, 'session', result)
        self.assertEqual(result[0], self.data['users']['specialist'])
        self.assertEqual(len(self.sent()), before)
        # and a wrong password is still refused
        self.assertEqual(
            self.login('specialist', password='wrong-password'),
            ('refused', 401))

    def test_leader_code(self):
        "A leader's password asks for the code sent at once to their mobile"
        leader = self.data['users']['leader']
        # a wrong password sends nothing
        before = len(self.sent())
        self.assertEqual(
            self.login('leader', password='wrong-password'),
            ('refused', 401))
        self.assertEqual(len(self.sent()), before)

        kind, error = self.login('leader', language='vi')
        self.assertEqual(kind, 'error')
        self.assertEqual(error[0], 'LoginException')
        name, message, type_ = error[1]
        self.assertEqual((name, type_), ('sms_code', 'char'))
        self.assertIn('001', message)
        self.assertIn("Mã đã gửi qua SMS", message)
        messages = self.sent()[before:]
        self.assertEqual(len(messages), 1, messages)
        sms, = messages
        self.assertEqual(sms['to'], '+84911000001')
        self.assertEqual(sms['sender'], '1022 TEST')
        self.assertIn("mã đăng nhập", sms['text'])
        code = self.code_of(sms)

        # asking again while the code is valid sends no second SMS
        kind, error = self.login('leader')
        self.assertEqual((kind, error[0]), ('error', 'LoginException'))
        self.assertEqual(len(self.sent()), before + 1)

        wrong = '%06d' % ((int(code) + 1) % 1000000)
        self.assertEqual(
            self.login('leader', sms_code=wrong), ('refused', 401))
        # nor does the code go with a wrong password
        self.assertEqual(
            self.login('leader', password='wrong-password', sms_code=code),
            ('refused', 401))

        kind, result = self.login('leader', sms_code=code)
        self.assertEqual(kind, 'session', result)
        self.assertEqual(result[0], leader)
        client = self.client('leader', *result[:2])
        preferences = client.call('model.res.user.get_preferences', True, {})
        self.assertIn('language', preferences)

        # a code serves once
        self.assertEqual(
            self.login('leader', sms_code=code), ('refused', 401))

    def test_leader_without_mobile(self):
        "A user who must give a code but has no mobile is told why"
        before = len(self.sent())
        kind, error = self.login('leader_nomobile')
        self.assertEqual(kind, 'error')
        self.assertEqual(error[0], 'UserError')
        self.assertIn('leader_nomobile', error[1][0])
        self.assertIn("no mobile number", error[1][0])
        self.assertEqual(len(self.sent()), before)


class StaffPrivacyTestCase(unittest.TestCase):
    "Staff mobiles and emails: the administrators and the office only"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SERVER
        cls.data = SERVER.data

    def client(self, login):
        return self.server.client(login, self.data['password'])

    def test_specialist_refused(self):
        "A specialist reads neither the mobile nor the email of a colleague"
        client = self.client('specialist')
        leader = self.data['users']['leader']
        names = client.call('model.res.user.read', [leader], ['name'], {})
        self.assertEqual(names[0]['name'], 'leader')
        for field in ['pakn_mobile', 'email', 'mobile']:
            with self.assertRaises(RpcError) as cm:
                client.call('model.res.user.read', [leader], [field], {})
            self.assertEqual(cm.exception.args[0][0], 'UserError')
        # nor are they offered in the user's form
        view = client.call('model.res.user.fields_view_get', None, 'form', {})
        self.assertNotIn('pakn_mobile', view['fields'])
        self.assertNotIn('email', view['fields'])

    def test_staff_cannot_redirect_codes(self):
        """No staff member but an administrator changes a colleague's
        mobile (where their login code goes) or turns a group's two-factor
        login off"""
        leader = self.data['users']['leader']
        groups = self.client('pakn_admin').call('model.res.group.search',
            [('pakn_two_factor', '=', True)], 0, None, None, {})
        self.assertTrue(groups)
        # (the leader logs in with a code: the other staff roles)
        for login in ['specialist', 'office']:
            client = self.client(login)
            with self.assertRaises(RpcError, msg=login):
                client.call('model.res.user.write', [leader],
                    {'pakn_mobile': '0911 999 999'}, {})
            with self.assertRaises(RpcError, msg=login):
                client.call('model.res.group.write', groups,
                    {'pakn_two_factor': False}, {})
        record, = self.client('pakn_admin').call('model.res.user.read',
            [leader], ['pakn_mobile'], {})
        self.assertEqual(record['pakn_mobile'], '+84911000001')
        self.assertEqual(self.client('pakn_admin').call(
                'model.res.group.search',
                [('pakn_two_factor', '=', True)], 0, None, None, {}),
            groups)

    def test_office_and_admin_read(self):
        "The supervising office and the administrators read them"
        leader = self.data['users']['leader']
        for login in ['office', 'pakn_admin']:
            client = self.client(login)
            record, = client.call('model.res.user.read', [leader],
                ['pakn_mobile', 'email'], {})
            self.assertEqual(record['pakn_mobile'], '+84911000001')
            self.assertEqual(record['email'], 'leader@example.com')

    def test_own_preferences(self):
        "A specialist reads and changes their own in the preferences"
        client = self.client('specialist')
        preferences = client.call(
            'model.res.user.get_preferences', False, {})
        self.assertEqual(preferences['pakn_mobile'], '+84911000002')
        self.assertEqual(preferences['email'], 'specialist@example.com')
        view = client.call(
            'model.res.user.get_preferences_fields_view', {})
        for field in ['pakn_mobile', 'email']:
            self.assertIn(field, view['fields'])
            self.assertFalse(view['fields'][field].get('readonly'))
            self.assertIn('name="%s"' % field, view['arch'])
        self.assertNotIn('name="mobile"', view['arch'])
        client.call('model.res.user.set_preferences', {
                'pakn_mobile': '0911 000 099',
                }, {})
        preferences = client.call(
            'model.res.user.get_preferences', False, {})
        self.assertEqual(preferences['pakn_mobile'], '+84911000099')
        # but not through the model, as for anyone else's
        with self.assertRaises(RpcError):
            client.call('model.res.user.read',
                [self.data['users']['specialist']], ['pakn_mobile'], {})
        office = self.client('office')
        record, = office.call('model.res.user.read',
            [self.data['users']['specialist']], ['pakn_mobile'], {})
        self.assertEqual(record['pakn_mobile'], '+84911000099')
