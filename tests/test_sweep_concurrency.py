# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Two sweeps at once over the same due cases, in two processes on a real
database: every escalation and every overdue mark happens exactly once."""
import os
import subprocess
import sys
import time
import unittest

from .trytond_server import ROOT, TrytonServer, run_database

DATABASE = run_database('test_pakn_sweep')
CASES = 150


class ConcurrentSweepTestCase(unittest.TestCase):

    def test_two_sweeps_at_once(self):
        server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'sweep_fixture.py'))
        server.fixture_args = [str(CASES)]
        server.start(serve=False)
        self.addCleanup(server.stop)
        self.assertEqual(server.data['deadlines'], 2 * CASES)
        start = time.time() + 3
        workers = [subprocess.Popen(
                [sys.executable,
                    os.path.join(ROOT, 'tests', 'sweep_worker.py'),
                    DATABASE, str(start)],
                env=server.env, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            self.assertEqual(worker.returncode, 0, err[-2000:])
        result = server.run([sys.executable, '-c', COUNT_EVENTS, DATABASE])
        counts = dict(
            line.split() for line in result.stdout.split('\n') if line)
        # one escalation and one overdue mark per case, all deadlines missed
        self.assertEqual(counts, {
                'escalated': str(CASES),
                'overdue': str(CASES),
                'escalated_twice': '0',
                'overdue_twice': '0',
                'missed': str(2 * CASES),
                })


COUNT_EVENTS = '''
import sys
from collections import Counter
from trytond.pool import Pool
from trytond.transaction import Transaction
database = sys.argv[1]
Pool.start()
pool = Pool(database)
pool.init()
with Transaction().start(database, 0):
    Event = pool.get('pakn.ticket.event')
    Deadline = pool.get('pakn.ticket.deadline')
    for type_ in ['escalated', 'overdue']:
        per_ticket = Counter(e.ticket.id for e in Event.search(
                [('type', '=', type_)]))
        print(type_, len(per_ticket))
        print(type_ + '_twice', sum(1 for n in per_ticket.values() if n > 1))
    print('missed', Deadline.search([('state', '=', 'missed')], count=True))
'''
