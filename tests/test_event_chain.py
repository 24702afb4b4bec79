# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The command verifying the cases' histories, run as an administrator
would on a real database, before and after rows are changed in SQL.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL)."""
import os
import re
import sqlite3
import subprocess
import sys
import time
import unittest

from .trytond_server import ROOT, TrytonServer, run_database

DATABASE = run_database('test_pakn_chain')
COMMAND = 'trytond.modules.pakn_helpdesk.verify_log'
EVENTS = 15


class EventChainCommandTestCase(unittest.TestCase):
    "verify_log passes on an untouched database and names altered rows"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'chain_fixture.py')).start(
            serve=False)
        cls.data = cls.server.data

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def sql(self, query, *params):
        """Run query (with %s parameters) on the database through a direct
        connection, outside Tryton; return its rows"""
        if self.server.backend.startswith('postgresql'):
            import psycopg
            with psycopg.connect(self.server.uri, dbname=DATABASE) as conn:
                cursor = conn.execute(query, params or None)
                return cursor.fetchall() if cursor.description else []
        path = os.path.join(self.server.tmp, DATABASE + '.sqlite')
        conn = sqlite3.connect(path)
        try:
            cursor = conn.execute(query.replace('%s', '?'), params)
            rows = cursor.fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()

    def verify(self, *args):
        return subprocess.run(
            [sys.executable, '-m', COMMAND, '-d', DATABASE, *args],
            env=self.server.env, text=True, capture_output=True,
            timeout=300)

    def events(self, ticket):
        return [i for i, in self.sql(
                'SELECT id FROM pakn_ticket_event WHERE ticket = %s '
                'ORDER BY position', ticket)]

    def test_verify(self):
        "OK on the fresh database; an UPDATE and a DELETE made in SQL fail"
        tickets = self.data['tickets']
        (events,), = self.sql('SELECT COUNT(*) FROM pakn_ticket_event')
        self.assertGreaterEqual(events, 6)
        result = self.verify()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(
            result.stdout.strip(),
            "OK: %s events of 3 cases verified" % events)

        altered = self.events(tickets['a'])[1]
        (note,), = self.sql(
            'SELECT note FROM pakn_ticket_event WHERE id = %s', altered)
        self.sql('UPDATE pakn_ticket_event SET note = %s WHERE id = %s',
            "Đã xử lý xong", altered)
        result = self.verify()
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        (code_a,), = self.sql(
            'SELECT code FROM pakn_ticket WHERE id = %s', tickets['a'])
        broken = [l for l in result.stdout.splitlines()
            if l.startswith('BROKEN')]
        self.assertEqual(len(broken), 1, result.stdout)
        self.assertRegex(broken[0], r'\bevent %s of case %s, .*altered' % (
                altered, re.escape(code_a)))

        # The last event of the other case removed
        *kept, removed = self.events(tickets['b'])
        self.sql('DELETE FROM pakn_ticket_event WHERE id = %s', removed)
        result = self.verify()
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        broken = [l for l in result.stdout.splitlines()
            if l.startswith('BROKEN')]
        self.assertEqual(len(broken), 2, result.stdout)
        self.assertRegex(broken[0], r'\bevent %s of case ' % altered)
        self.assertRegex(
            broken[1], r'\bevent %s of case .*removed' % kept[-1])
        self.assertIn("FAILED: 2 of 3 cases broken", result.stdout)

        # Only the case asked for
        (code_b,), = self.sql(
            'SELECT code FROM pakn_ticket WHERE id = %s', tickets['b'])
        result = self.verify('--case', code_a)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertNotIn(code_b, result.stdout)

        # The note put back, case A verifies again
        self.sql('UPDATE pakn_ticket_event SET note = %s WHERE id = %s',
            note, altered)
        result = self.verify('--case', code_a)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("OK: ", result.stdout)

    def test_concurrent_writers(self):
        "Two processes adding events to the same case keep one chain"
        ticket = self.data['tickets']['c']
        before = len(self.events(ticket))
        start = time.time() + 3
        workers = [subprocess.Popen(
                [sys.executable,
                    os.path.join(ROOT, 'tests', 'chain_worker.py'),
                    DATABASE, str(ticket), str(start), str(EVENTS), name],
                env=self.server.env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True) for name in 'xy']
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            self.assertEqual(worker.returncode, 0, err[-2000:])
        positions = [p for p, in self.sql(
                'SELECT position FROM pakn_ticket_event WHERE ticket = %s '
                'ORDER BY position', ticket)]
        self.assertEqual(
            positions, list(range(1, before + 2 * EVENTS + 1)))
        (code,), = self.sql(
            'SELECT code FROM pakn_ticket WHERE id = %s', ticket)
        result = self.verify('--case', code)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_unknown_database(self):
        "A database that does not exist is told, with exit status 2"
        result = subprocess.run(
            [sys.executable, '-m', COMMAND, '-d', DATABASE + '_missing'],
            # no retries on a connection that cannot succeed
            env={**self.server.env, 'TRYTOND_DATABASE__RETRY': '0'},
            text=True, capture_output=True, timeout=300)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("Cannot verify", result.stderr)
