# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The portal's own server (python -m trytond.modules.pakn_portal.site, as
`make demo` runs it) does not name its software in its answers."""
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

from .trytond_server import ROOT, TrytonServer, free_port

DATABASE = 'test_pakn_portal_header'
NAMES = ('werkzeug', 'python', 'flask', 'gunicorn')


class PortalServerHeaderTestCase(unittest.TestCase):
    "No Server header naming Werkzeug or Python"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.mkdtemp(prefix='pakn-portal-header-')
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)
        # a database for the portal, no trytond server needed
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'two_factor_fixture.py'))
        cls.server.fixture_args = [os.path.join(cls.folder, 'sms.log')]
        cls.server.start(serve=False)
        cls.addClassCleanup(cls.server.stop)
        cls.port = free_port()
        cls.url = 'http://127.0.0.1:%s' % cls.port
        cls.log = open(os.path.join(cls.folder, 'portal.log'), 'wb')
        cls.addClassCleanup(cls.log.close)
        cls.portal = subprocess.Popen(
            [sys.executable, '-m', 'trytond.modules.pakn_portal.site',
                '-d', DATABASE, '--host', '127.0.0.1',
                '--port', str(cls.port)],
            env={**cls.server.env, 'PAKN_PORTAL_INSTANCE': cls.folder},
            cwd=ROOT, stdout=cls.log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop_portal)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(cls.url + '/', timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if (cls.portal.poll() is not None
                        or time.monotonic() > deadline):
                    raise RuntimeError("the portal did not start")
                time.sleep(0.2)

    @classmethod
    def stop_portal(cls):
        if cls.portal.poll() is None:
            cls.portal.terminate()
            try:
                cls.portal.wait(10)
            except subprocess.TimeoutExpired:
                cls.portal.kill()
                cls.portal.wait()

    def assertAnonymous(self, headers):
        servers = headers.get_all('Server') or []
        for value in servers:
            for name in NAMES:
                self.assertNotIn(name, value.lower())
        self.assertEqual(servers, [])

    def test_pages(self):
        "A page, a static file and a missing page answer without it"
        with urllib.request.urlopen(self.url + '/', timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertIn('text/html', response.headers['Content-Type'])
            self.assertAnonymous(response.headers)
        with urllib.request.urlopen(
                self.url + '/static/portal.css', timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertAnonymous(response.headers)
        for path in ['/khong-co-trang-nay']:
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(self.url + path, timeout=10)
            self.assertEqual(cm.exception.code, 404)
            self.assertAnonymous(cm.exception.headers)
            cm.exception.close()

    def test_malformed_request(self):
        "The server's own error answer (a bad request line) neither"
        with socket.create_connection(('127.0.0.1', self.port), 10) as sock:
            # four words: HTTP/1.1 is understood, then the line refused
            sock.sendall(b'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n')
            answer = b''
            while chunk := sock.recv(4096):
                answer += chunk
        head = answer.split(b'\r\n\r\n', 1)[0].decode('latin-1')
        self.assertRegex(head.split('\r\n')[0], r'^HTTP/1\.[01] 400 ')
        lines = [l.lower() for l in head.split('\r\n')[1:]]
        self.assertFalse(
            [l for l in lines if l.startswith('server:')], head)
        self.assertNotIn('werkzeug', answer.decode('latin-1').lower())
