# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Access rules over JSON-RPC against a real trytond server on loopback.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL)."""
import os
import unittest
import urllib.error

from .trytond_server import ROOT, RpcError, TrytonServer, run_database

DATABASE = run_database('test_pakn_rpc')


class JsonRpcAccessTestCase(unittest.TestCase):
    "Record rules hold over JSON-RPC for a user logged in on the server"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'rpc_fixture.py')).start()
        cls.data = cls.server.data

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def client(self, login):
        return self.server.client(login, self.data['password'])

    def test_wrong_password_refused(self):
        "A wrong password gives no session"
        with self.assertRaises((RpcError, urllib.error.HTTPError)):
            self.server.client('spec_a', 'wrong')

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
