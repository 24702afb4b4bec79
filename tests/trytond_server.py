# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A real trytond serving a fresh database on a loopback port, for tests.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL), filled
by a fixture script run with proteus in a subprocess, and served by the
`trytond` command with the sao web client.

Under tests/run.py (DB_CACHE set, named after the sources) the database
that trytond-admin created is kept as a template (a file in the cache, or a
PostgreSQL template database) and copied for the next server with the same
modules, so each run of the suite activates the modules once."""
import base64
import hashlib
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
# The number of this run of the suite (tests/run.py sets it)
RUN = os.environ.get('PAKN_TEST_RUN') or str(os.getpid())


def run_database(name):
    """The name of a test database, made unique to this run of the suite:
    the server may hold other databases, other runs' among them"""
    return f'{name}_{RUN}'


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
            modules=('pakn_helpdesk', 'pakn_sms', 'pakn_portal'),
            config=None):
        """config: extra trytond configuration for the fixture and the
        server, as TRYTOND_<SECTION>__<KEY> environment variables, e.g.
        {'TRYTOND_SESSION__AUTHENTICATIONS': 'password+pakn_sms'}"""
        self.database = database
        self.config = dict(config or {})
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
            **self.config,
            }
        for name in ['TRYTOND_CONFIG', 'DB_CACHE', 'DB_NAME']:
            env.pop(name, None)
        self._create_database()
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

    def _template(self):
        "The name of the template of this server's database, or None"
        cache = os.environ.get('DB_CACHE')
        if not cache:
            return None
        key = '%s|%s|%s' % (
            os.path.basename(cache), self.uri, ' '.join(self.modules))
        return 'pakn_tpl_' + hashlib.sha256(key.encode()).hexdigest()[:12]

    def _create_database(self):
        template = self._template()
        postgresql = self.backend.startswith('postgresql')
        path = os.path.join(self.tmp, self.database + '.sqlite')
        if postgresql:
            self._pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                % self.database)
            if template and self._pg(
                    'SELECT 1 FROM pg_database WHERE datname = %s',
                    template):
                self._pg('CREATE DATABASE "%s" TEMPLATE "%s"'
                    % (self.database, template))
                return
            self._pg('CREATE DATABASE "%s" ENCODING \'UTF8\'' % self.database)
        else:
            cached = (os.path.join(
                    os.environ['DB_CACHE'], template + '.sqlite')
                if template else None)
            if cached and os.path.exists(cached):
                shutil.copyfile(cached, path)
                return
            open(path, 'w').close()
        # every test server can speak Vietnamese
        command = [
            os.path.join(BIN, 'trytond-admin'), '-d', self.database,
            '--all', '-u', *self.modules, '--activate-dependencies',
            '-l', 'vi', *[l for l in self.languages if l != 'vi']]
        # an empty line answers the question of the admin email
        self._run(command, input='\n')
        if not template:
            return
        if postgresql:
            # named after the sources (DB_CACHE); tests/run.py drops the
            # templates of older sources
            import psycopg
            try:
                self._pg('CREATE DATABASE "%s" TEMPLATE "%s"'
                    % (template, self.database))
            except psycopg.errors.DuplicateDatabase:
                # another run of the same sources made it meanwhile
                return
            # a template is not in trytond's list of databases, which the
            # login of the web client offers
            self._pg('ALTER DATABASE "%s" IS_TEMPLATE true' % template)
        else:
            os.makedirs(os.path.dirname(cached), exist_ok=True)
            shutil.copyfile(path, cached + '.tmp')
            os.replace(cached + '.tmp', cached)

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

    def _pg(self, sql, *params):
        "Run sql on the server's postgres database; return its rows"
        import psycopg
        with psycopg.connect(
                self.uri, dbname='postgres', autocommit=True) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []
