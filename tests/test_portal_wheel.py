# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The project as a wheel: built, installed into a fresh virtual
environment outside the checkout, the portal started from it serves its
home page in Vietnamese (the Babel catalogues are package data).

- The wheel is built without build isolation (no network: setuptools comes
  from the test extra) from a copy of the sources in a temporary folder,
  so nothing is written into the checkout (pip builds in the tree).
- The fresh environment gets the wheel with `pip install --no-deps`; its
  dependencies come from the current environment's site-packages through
  a .pth file, whose own .pth files (the editable install of the checkout)
  are not read. trytond is a regular package that the modules install
  into (trytond/modules/), so it is copied into the fresh environment
  first, as `pip install trytond pakn1022` would lay it out.
- Its trytond-admin activates pakn_portal in a new SQLite database, its
  python serves the portal (`python -m trytond.modules.pakn_portal.site`).

The database is SQLite whatever the backend of the run, so the test runs
once: on the SQLite run."""
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from babel.messages.pofile import read_po

import trytond

from .trytond_server import ROOT, free_port

SITE = os.path.join(ROOT, 'addons', 'pakn_portal', 'site')
CATALOGUE = os.path.join(
    SITE, 'translations', 'vi', 'LC_MESSAGES', 'messages.po')
# The heading of the home page
HEADING = "Send your feedback and petitions to the authorities"
DATABASE = 'test_portal_wheel'


def vietnamese(msgid):
    with open(CATALOGUE, 'rb') as file:
        return read_po(file, locale='vi')[msgid].string


@unittest.skipUnless(
    os.environ.get('TRYTOND_DATABASE_URI', 'sqlite://').startswith('sqlite'),
    "the wheel test makes its own SQLite database whatever the backend: "
    "it runs once, on the SQLite run")

def stop(process):
    "End the process: politely, then for good"
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

class PortalWheelTestCase(unittest.TestCase):
    "The portal installed from a wheel"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='pakn-wheel-')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.env = {
            k: v for k, v in os.environ.items()
            if k not in {'PYTHONPATH', 'TRYTOND_CONFIG', 'DB_NAME',
                'DB_CACHE'}}

    def run_in(self, command, **kwargs):
        "Run the command in the temporary folder; fail with its output"
        result = subprocess.run(command, cwd=self.tmp, env=self.env,
            capture_output=True, text=True, timeout=600, **kwargs)
        if result.returncode:
            self.fail('%s failed:\n%s' % (
                    ' '.join(command[:4]), (result.stdout + result.stderr)
                    [-3000:]))
        return result.stdout

    def build(self):
        "Build the wheel from a copy of the sources; return its path"
        source = os.path.join(self.tmp, 'source')
        os.makedirs(source)
        for name in os.listdir(ROOT):
            if os.path.isfile(os.path.join(ROOT, name)):
                shutil.copy2(os.path.join(ROOT, name), source)
        shutil.copytree(os.path.join(ROOT, 'addons'),
            os.path.join(source, 'addons'),
            ignore=shutil.ignore_patterns('__pycache__', '*.mo'))
        dist = os.path.join(self.tmp, 'dist')
        self.run_in([sys.executable, '-m', 'pip', 'wheel', '--quiet',
                '--no-deps', '--no-build-isolation', '--no-index',
                '-w', dist, source])
        wheel, = os.listdir(dist)
        return os.path.join(dist, wheel)

    def install(self, wheel):
        "A fresh environment with the wheel; return its python"
        venv = os.path.join(self.tmp, 'venv')
        self.run_in([sys.executable, '-m', 'venv', '--without-pip', venv])
        python = os.path.join(venv, 'bin', 'python')
        target = self.run_in([python, '-c',
                'import sysconfig; print(sysconfig.get_paths()["purelib"])'
                ]).strip()
        shutil.copytree(os.path.dirname(trytond.__file__),
            os.path.join(target, 'trytond'),
            ignore=shutil.ignore_patterns('pakn_*'))
        # before the .pth: pip must not see the checkout's editable install
        self.run_in([sys.executable, '-m', 'pip', '--python', python,
                'install', '--quiet', '--no-deps', '--no-index', wheel])
        with open(os.path.join(target, 'pakn_dependencies.pth'), 'w') as file:
            file.write(sysconfig.get_paths()['purelib'] + '\n')
        return venv, python

    def test_wheel(self):
        "The portal of the installed wheel speaks Vietnamese"
        venv, python = self.install(self.build())
        where = self.run_in([python, '-c',
                'import trytond.modules.pakn_portal.site as s; '
                'print(s.__file__)']).strip()
        self.assertTrue(where.startswith(venv + os.sep), where)

        db = os.path.join(self.tmp, 'db')
        os.makedirs(db)
        open(os.path.join(db, DATABASE + '.sqlite'), 'w').close()
        passfile = os.path.join(self.tmp, 'pass')
        with open(passfile, 'w') as file:
            file.write('admin-test-1022')
        self.env.update({
                'TRYTOND_DATABASE_URI': 'sqlite://',
                'TRYTOND_DATABASE__PATH': db,
                'TRYTONPASSFILE': passfile,
                'PAKN_PORTAL_INSTANCE': os.path.join(self.tmp, 'instance'),
                })
        # an empty line answers the question of the admin email
        self.run_in([python, '-c',
                'import sys; from trytond.cli.admin import main; '
                'sys.exit(main())',
                '-d', DATABASE, '--all', '-u', 'pakn_portal',
                '--activate-dependencies'], input='\n')

        port = free_port()
        url = 'http://127.0.0.1:%s/' % port
        log = open(os.path.join(self.tmp, 'portal.log'), 'w+')
        self.addCleanup(log.close)
        portal = subprocess.Popen([python, '-m',
                'trytond.modules.pakn_portal.site', '-d', DATABASE,
                '--port', str(port)], cwd=self.tmp, env=self.env,
            stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(stop, portal)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    page = response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or portal.poll() is not None:
                    log.seek(0)
                    self.fail("the portal did not start:\n"
                        + log.read()[-3000:])
                time.sleep(0.3)
        self.assertIn('<html lang="vi">', page)
        self.assertIn(vietnamese(HEADING), page)
        self.assertNotIn(HEADING, page)
        # compiled into the instance folder, not into the package
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, 'instance',
                    'translations', 'vi', 'LC_MESSAGES', 'messages.mo')))
        package = os.path.dirname(where)
        self.assertEqual([f for _, _, files in os.walk(package)
                for f in files if f.endswith('.mo')], [])
