# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Access rules over JSON-RPC against a real trytond server on loopback.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL)."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DATABASE = 'test_pakn_rpc'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class JsonRpc:
    def __init__(self, url, database):
        self.url = '%s/%s/rpc/' % (url, database)
        self.session = None
        self.id = 0

    def call(self, method, *params):
        self.id += 1
        request = urllib.request.Request(
            self.url, data=json.dumps({
                    'id': self.id, 'method': method,
                    'params': list(params)}).encode('utf-8'),
            headers={'Content-Type': 'application/json'})
        if self.session:
            request.add_header('Authorization', 'Session ' + self.session)
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.load(response)
        if result.get('error'):
            raise RpcError(result['error'])
        return result['result']

    def login(self, login, password):
        user_id, session = self.call(
            'common.db.login', login, {'password': password}, 'en')[:2]
        self.session = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()


class RpcError(Exception):
    pass


class JsonRpcAccessTestCase(unittest.TestCase):
    "Record rules hold over JSON-RPC for a user logged in on the server"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        uri = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
        cls.tmp = tempfile.mkdtemp(prefix='pakn-rpc-')
        passfile = os.path.join(cls.tmp, 'pass')
        with open(passfile, 'w') as fp:
            fp.write('admin-rpc-1022')
        cls.env = env = {
            **os.environ,
            'TRYTOND_DATABASE_URI': uri,
            'TRYTOND_DATABASE__PATH': cls.tmp,
            'TRYTONPASSFILE': passfile,
            'DB_NAME': DATABASE,
            }
        for name in ['TRYTOND_CONFIG', 'DB_CACHE']:
            env.pop(name, None)
        cls.backend = urlparse(uri).scheme
        if cls.backend.startswith('postgresql'):
            cls._pg(uri, 'DROP DATABASE IF EXISTS "%s"' % DATABASE)
            cls._pg(uri, 'CREATE DATABASE "%s" ENCODING \'UTF8\'' % DATABASE)
        else:
            open(os.path.join(cls.tmp, DATABASE + '.sqlite'), 'w').close()
        subprocess.run([
                os.path.join(BIN, 'trytond-admin'), '-d', DATABASE, '--all',
                '-u', 'pakn_helpdesk', '--activate-dependencies'],
            # an empty line answers the question of the admin email
            input='\n', text=True, env=env, check=True, capture_output=True)
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'tests', 'rpc_fixture.py'),
                DATABASE],
            env=env, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(result.stderr)
        cls.data = json.loads(result.stdout)
        port = free_port()
        cls.url = 'http://127.0.0.1:%s' % port
        cls.server = subprocess.Popen(
            # -d loads the database's pool at start, as in production
            [os.path.join(BIN, 'trytond'), '-d', DATABASE],
            env={**env, 'TRYTOND_WEB__LISTEN': '127.0.0.1:%s' % port},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(cls.url + '/', timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or cls.server.poll():
                    raise
                time.sleep(0.3)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(10)
        if cls.backend.startswith('postgresql'):
            cls._pg(
                cls.env['TRYTOND_DATABASE_URI'],
                'DROP DATABASE IF EXISTS "%s"' % DATABASE)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    @staticmethod
    def _pg(uri, sql):
        import psycopg
        with psycopg.connect(
                uri.rstrip('/') + '/postgres', autocommit=True) as conn:
            conn.execute(sql)

    def client(self, login):
        client = JsonRpc(self.url, DATABASE)
        client.login(login, self.data['password'])
        return client

    def test_wrong_password_refused(self):
        "A wrong password gives no session"
        client = JsonRpc(self.url, DATABASE)
        with self.assertRaises((RpcError, urllib.error.HTTPError)):
            client.login('spec_a', 'wrong')

    def test_specialist_reads_only_own_unit(self):
        "A specialist of unit A reads and lists only unit A's case"
        client = self.client('spec_a')
        a, b = self.data['tickets']['a'], self.data['tickets']['b']
        ids = client.call('model.pakn.ticket.search', [], 0, None, None, {})
        self.assertEqual(ids, [a])
        records = client.call(
            'model.pakn.ticket.read', [a], ['content'], {})
        self.assertEqual(records[0]['content'], "Cống thoát nước bị tắc (a)")
        with self.assertRaises(RpcError):
            client.call('model.pakn.ticket.read', [b], ['content'], {})

    def test_specialist_cannot_change_other_unit(self):
        "A specialist of unit A changes nothing of unit B's case"
        client = self.client('spec_a')
        b = self.data['tickets']['b']
        with self.assertRaises(RpcError):
            client.call(
                'model.pakn.ticket.write', [b], {'result': "sửa trộm"}, {})
        with self.assertRaises(RpcError):
            client.call('model.pakn.ticket.accept', [b], {})
        office = self.client('office')
        record, = office.call(
            'model.pakn.ticket.read', [b], ['result', 'state'], {})
        self.assertEqual((record['result'], record['state']),
            (None, 'forwarded'))

    def test_specialist_cannot_approve(self):
        "The approve button is refused to a specialist"
        client = self.client('spec_a')
        a = self.data['tickets']['a']
        with self.assertRaises(RpcError) as cm:
            client.call('model.pakn.ticket.approve', [a], {})
        self.assertIn('approve', str(cm.exception))

    def test_office_sees_all(self):
        "The supervising office lists and reads every case"
        client = self.client('office')
        tickets = self.data['tickets']
        ids = client.call('model.pakn.ticket.search', [], 0, None, None, {})
        self.assertEqual(set(ids), set(tickets.values()))
        records = client.call(
            'model.pakn.ticket.read', list(tickets.values()), ['content'],
            {})
        self.assertEqual(len(records), 2)
