# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A real trytond serving a fresh database on a loopback port, for tests.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL), filled
by a fixture script run with proteus in a subprocess, and served by the
`trytond` command with the sao web client."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
SAO = os.path.join(ROOT, 'node_modules', 'tryton-sao')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class RpcError(Exception):
    pass


class JsonRpc:
    "A JSON-RPC client of trytond, as sao talks to it"

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
        return self


class TrytonServer:
    def __init__(self, database, fixture, languages=(),
            modules=('pakn_helpdesk', 'pakn_sms')):
        self.database = database
        self.modules = list(modules)
        self.fixture = fixture
        self.languages = list(languages)
        self.uri = os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://')
        self.backend = urlparse(self.uri).scheme
        self.process = None
        self.url = None
        self.fixture_args = list(languages[:1])

    def start(self, serve=True):
        "Create the database, load the fixture, start the server"
        self.tmp = tempfile.mkdtemp(prefix='pakn-server-')
        passfile = os.path.join(self.tmp, 'pass')
        with open(passfile, 'w') as fp:
            fp.write('admin-test-1022')
        self.env = env = {
            **os.environ,
            'TRYTOND_DATABASE_URI': self.uri,
            'TRYTOND_DATABASE__PATH': self.tmp,
            'TRYTOND_WEB__ROOT': SAO,
            'TRYTONPASSFILE': passfile,
            }
        for name in ['TRYTOND_CONFIG', 'DB_CACHE', 'DB_NAME']:
            env.pop(name, None)
        if self.backend.startswith('postgresql'):
            self._pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                % self.database)
            self._pg('CREATE DATABASE "%s" ENCODING \'UTF8\'' % self.database)
        else:
            open(os.path.join(
                    self.tmp, self.database + '.sqlite'), 'w').close()
        command = [
            os.path.join(BIN, 'trytond-admin'), '-d', self.database,
            '--all', '-u', *self.modules, '--activate-dependencies']
        if self.languages:
            command += ['-l', *self.languages]
        # an empty line answers the question of the admin email
        self._run(command, input='\n')
        result = self._run(
            [sys.executable, self.fixture, self.database, *self.fixture_args])
        self.data = json.loads(result.stdout)
        if not serve:
            return self
        port = free_port()
        self.url = 'http://127.0.0.1:%s' % port
        # -d loads the database's pool at start, as in production
        self.process = subprocess.Popen(
            [os.path.join(BIN, 'trytond'), '-d', self.database],
            env={**env, 'TRYTOND_WEB__LISTEN': '127.0.0.1:%s' % port},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + '/', timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll():
                    self.stop()
                    raise
                time.sleep(0.3)
        return self

    def run(self, command, input=None):
        "Run a command on the database's configuration"
        return self._run(command, input=input)

    def _run(self, command, input=None):
        result = subprocess.run(
            command, input=input, text=True, env=self.env,
            capture_output=True)
        if result.returncode:
            self.stop()
            raise RuntimeError('%s failed:\n%s' % (
                    ' '.join(command), result.stderr[-3000:]))
        return result

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        if self.backend.startswith('postgresql'):
            self._pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                % self.database)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def client(self, login, password):
        return JsonRpc(self.url, self.database).login(login, password)

    def _pg(self, sql):
        import psycopg
        with psycopg.connect(
                self.uri, dbname='postgres', autocommit=True) as conn:
            conn.execute(sql)
