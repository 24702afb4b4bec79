# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sending worker is killed between the gateway's acceptance of a
message and the commit of its outcome: after a restart, the message is
settled by asking the gateway, and nothing is sent twice."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from trytond.modules.pakn_sms.tests.http_gateway import HttpGateway

from .trytond_server import ROOT, TrytonServer, run_database

DATABASE = run_database('test_pakn_sms')
COUNT = 6
WORKER = os.path.join(ROOT, 'tests', 'sms_worker.py')


class WorkerCrashTestCase(unittest.TestCase):

    def setUp(self):
        self.provider = HttpGateway().start()
        self.addCleanup(self.provider.stop)
        self.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'sms_fixture.py'))
        self.server.fixture_args = [self.provider.url, str(COUNT)]
        self.server.start(serve=False)
        self.addCleanup(self.server.stop)
        self.references = self.server.data['messages']

    def worker(self, *args):
        return subprocess.Popen(
            [sys.executable, WORKER, DATABASE, *args], env=self.server.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def states(self):
        worker = self.worker('states')
        out, err = worker.communicate(timeout=120)
        self.assertEqual(worker.returncode, 0, err[-2000:])
        return json.loads(out)

    def test_killed_after_acceptance(self):
        "Killed once the gateway accepted: no second send after restart"
        self.assertEqual(len(self.references), COUNT)
        killed = []

        def kill(message):
            # The gateway has the message; its answer will never arrive
            if not killed:
                killed.append(message['client_ref'])
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=30)

        self.provider.on_accept = kill
        first = self.worker()
        first.communicate(timeout=120)
        self.assertEqual(first.returncode, -signal.SIGKILL)
        self.assertEqual(len(self.provider.accepted), 1)
        states = self.states()
        reference, = killed
        self.assertEqual(states[reference][0], 'sending')
        self.assertEqual(
            {s[0] for r, s in states.items() if r != reference}, {'queued'})

        # Restarted, the worker waits for the dead one's lease on the
        # gateway, then asks the gateway and sends the rest
        self.provider.on_accept = None
        started = time.monotonic()
        while time.monotonic() - started < 60:
            worker = self.worker()
            out, err = worker.communicate(timeout=120)
            self.assertEqual(worker.returncode, 0, err[-2000:])
            states = json.loads(out)
            if all(s[0] == 'sent' for s in states.values()):
                break
            time.sleep(1)
        accepted = [m['client_ref'] for m in self.provider.accepted]
        self.assertEqual(sorted(accepted), sorted(self.references))
        self.assertEqual(len(accepted), len(set(accepted)))
        self.assertEqual(
            {s[0] for s in states.values()}, {'sent'})
        # settled by the lookup: the provider's id, one attempt
        provider_ids = {m['client_ref']: m['id']
            for m in self.provider.accepted}
        self.assertEqual(states[reference], [
                'sent', provider_ids[reference], 1])
        self.assertEqual(len(self.provider.requests), COUNT)
