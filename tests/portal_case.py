# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The shared set-up of the portal's test files (one per blueprint of the
site: tests/test_portal_<area>.py): the portal through Flask's test client,
over a database created by trytond-admin and filled as the staff would
(portal_fixture.py), on the backend of the run (SQLite file or
PostgreSQL).

Each test class has a database of its own. The first class of the process
loads the fixture; its filled database is kept (a file, or a PostgreSQL
template) and copied for the next classes, which need not load it again."""
import atexit
import hashlib
import html
import os
import re
import shutil
import tempfile
import unittest

from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from .trytond_server import TrytonServer, run_database

FIXTURE = os.path.join(os.path.dirname(__file__), 'portal_fixture.py')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Pool.stop before flask-tryton replaced it
_frozen = []


class FilledDatabase:
    """The database of the fixture, filled once in this process and copied;
    modules: those activated, if not the default of TrytonServer"""

    def __init__(self, modules=None):
        self.data = None
        self.modules = modules

    def server(self, database):
        if self.modules:
            return TrytonServer(database, FIXTURE, modules=self.modules)
        return TrytonServer(database, FIXTURE)

    def start(self, database):
        "A server object of database, filled with the fixture"
        if self.data is None:
            server = self.server(database).start(serve=False)
            self.keep(server)
            return server
        server = self.server(database)
        server.tmp = tempfile.mkdtemp(prefix='pakn-server-')
        server.data = self.data
        if self.postgresql:
            server._pg('CREATE DATABASE "%s" TEMPLATE "%s"'
                % (database, self.template))
        else:
            shutil.copyfile(self.template,
                os.path.join(server.tmp, database + '.sqlite'))
        return server

    def keep(self, server):
        "Keep the database of server as just filled (nothing connected)"
        self.postgresql = server.backend.startswith('postgresql')
        if self.postgresql:
            # a database of this run: tests/run.py drops it if left
            # (a name of at most 63 bytes, the limit of PostgreSQL)
            self.template = run_database('test_pakn_portal_filled' + (
                    '_' + hashlib.sha256(' '.join(self.modules).encode())
                    .hexdigest()[:8] if self.modules else ''))
            self.admin = TrytonServer(self.template, FIXTURE)
            self.admin._pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                % self.template)
            self.admin._pg('CREATE DATABASE "%s" TEMPLATE "%s"'
                % (self.template, server.database))
        else:
            folder = tempfile.mkdtemp(prefix='pakn-portal-filled-')
            self.template = os.path.join(folder, 'filled.sqlite')
            shutil.copyfile(os.path.join(
                    server.tmp, server.database + '.sqlite'), self.template)
        self.data = server.data
        atexit.register(self.drop)

    def drop(self):
        if self.postgresql:
            self.admin._pg('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                % self.template)
        else:
            shutil.rmtree(os.path.dirname(self.template), ignore_errors=True)


filled = FilledDatabase()
# The filled databases of other modules, by their tuple
_filled = {None: filled}


def filled_with(modules):
    "The filled database of the modules (None: those of TrytonServer)"
    if modules not in _filled:
        _filled[modules] = FilledDatabase(modules)
    return _filled[modules]


class PortalTestCase(unittest.TestCase):
    """The Flask portal; area: the name of the blueprint tested, which
    names the class's own database; modules: a tuple of the modules to
    activate if not those of TrytonServer (e.g. with pakn_report)"""
    area = None
    modules = None

    @classmethod
    def setUpClass(cls):
        cls.database = run_database('test_pakn_portal_' + cls.area)
        cls.server = filled_with(cls.modules).start(cls.database)
        cls.data = cls.server.data
        cls.cases = cls.data['cases']
        cls._path = config.get('database', 'path')
        config.set('database', 'path', cls.server.tmp)
        _frozen.append(Pool.__dict__['stop'])
        from trytond.modules.pakn_portal.site import create_app
        cls.app = create_app({
                'TRYTON_DATABASE': cls.database,
                'SECRET_KEY': 'portal-test-secret',
                'PORTAL_STATISTICS_CACHE': 0,
                }, instance_path=cls.server.tmp)
        cls.app.add_url_rule('/test-crash', 'crash', crash)
        cls.address = 0

    @classmethod
    def tearDownClass(cls):
        # flask-tryton freezes the pool of the process; unfreeze it
        Pool.stop = _frozen.pop()
        Pool.stop(cls.database)
        if cls._path is not None:
            config.set('database', 'path', cls._path)
        cls.server.stop()

    def setUp(self):
        self.client = self.app.test_client()
        self.new_visitor()

    def new_visitor(self):
        """Come from another address, so the rate limits of one test (at
        most 5 submissions a minute) do not fall on the next"""
        type(self).address += 1
        self.client.environ_base['REMOTE_ADDR'] = (
            '10.0.%d.%d' % divmod(self.address, 250))

    # Helpers

    def transaction(self, language='vi', **extras):
        return Transaction().start(self.database, 0, readonly=False,
            context={'language': language}, **extras)

    def pool(self):
        return Pool(self.database)

    def count(self, model, domain=None):
        with self.transaction():
            return self.pool().get(model).search_count(domain or [])

    def token(self, path='/gui-phan-anh'):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return CSRF.search(response.text).group(1)

    def tryton_message(self, message_id, **variables):
        "The Vietnamese text of a message of the Tryton modules"
        from trytond.i18n import gettext
        with self.transaction():
            vi = gettext(message_id, **variables)
        with self.transaction('en'):
            en = gettext(message_id, **variables)
        self.assertNotEqual(vi, en, "%s has no Vietnamese text" % message_id)
        return vi

    def site_message(self, text, **variables):
        "The Vietnamese text of a message of the site"
        from flask_babel import gettext
        with self.app.test_request_context('/'):
            vi = gettext(text, **variables)
        self.assertNotEqual(vi, text, "%r has no Vietnamese text" % text)
        return vi

    def assertShows(self, response, text):
        self.assertIn(text, html.unescape(response.text))

    def submission(self, **values):
        data = {
            'csrf_token': self.token(),
            'submitter_type': 'person',
            'submitter_name': "Trần Thị Bình",
            'submitter_phone': '0903 111 222',
            'submitter_email': 'binh@example.vn',
            'submitter_address': "45 Nguyễn Huệ",
            'content': "Cây xanh trước số 45 Nguyễn Huệ bị nghiêng, có nguy "
            "cơ đổ khi mưa bão.",
            'matter_place': "45 Nguyễn Huệ",
            'matter_time': '2026-11-20T07:30',
            'consent': 'on',
            }
        data.update(values)
        return {k: v for k, v in data.items() if v is not None}

    def track(self, case, phone=None):
        code = self.cases[case]['code']
        return self.client.post('/tra-cuu', data={
                'csrf_token': self.token('/tra-cuu'),
                'code': code,
                'phone': phone or self.data['phone'],
                })

    def assert_nothing_saved(self, before):
        self.assertEqual(self.count('pakn.ticket'), before[0])
        self.assertEqual(self.count('ir.attachment'), before[1])

    def counts(self):
        return self.count('pakn.ticket'), self.count('ir.attachment')


def crash():
    1 / 0
