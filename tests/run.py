#!/usr/bin/env python3
"""Run every test suite on SQLite and on PostgreSQL; called by `make test`.

Suites: the tests of each module in addons/ (a folder with a tryton.cfg),
imported as trytond.modules.<module>.tests.test_*, and the top-level
tests/test_*.py. Each backend runs in its own process, because trytond
binds its backend and test database when first imported; the two run side
by side (their output in var/log/test-<backend>.log, printed when they
end), or one after the other with --serial.

Environment:
  TRYTOND_DATABASE_URI  PostgreSQL server (default %(pg)s)
  CI                    "true": an unreachable PostgreSQL fails the run
                        instead of being skipped with a warning
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import urllib.parse
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')
CACHE = os.path.join(ROOT, 'var', 'cache')
LOGS = os.path.join(ROOT, 'var', 'log')
PG_URI = 'postgresql://postgres@127.0.0.1:5432/'
# Names of this run's databases end with its number, so that runs of other
# checkouts on the same server (and any other database) are left alone
RUN = str(os.getpid())
PG_DB_NAME = 'test_pakn_%s'
# Activated databases kept as PostgreSQL templates (see pg_cache); those
# of other sources are dropped once a day old
PG_TEMPLATE_PREFIX = 'pakn_tpl_'
STALE = 24 * 3600
BACKENDS = ['sqlite', 'postgresql']
__doc__ %= {'pg': PG_URI}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument('backends', nargs='*', metavar='backend',
        help="sqlite and/or postgresql (default: both)")
    parser.add_argument('-v', '--verbose', action='store_true',
        help="print the name of each test")
    parser.add_argument('-k', dest='patterns', metavar='PATTERN',
        action='append', default=[],
        help="only run tests matching the pattern (as python -m unittest)")
    parser.add_argument('--serial', action='store_true',
        help="run the backends one after the other, output as it comes "
        "(by default they run side by side, each into its log)")
    parser.add_argument('--child', metavar='RESULT_FILE',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backend: {', '.join(sorted(unknown))}")
    ci = os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}
    summaries, ok, runs = [], True, []
    for backend in args.backends or BACKENDS:
        env = os.environ.copy()
        # A configuration file would override the URI given below
        env.pop('TRYTOND_CONFIG', None)
        if backend == 'sqlite':
            env.update(TRYTOND_DATABASE_URI='sqlite://', DB_NAME=':memory:')
        else:
            uri = os.environ.get('TRYTOND_DATABASE_URI') or PG_URI
            shown = hide_password(uri)
            if not uri.startswith('postgresql:'):
                summaries.append("== postgresql: FAILED, "
                    f"TRYTOND_DATABASE_URI={shown} is not a postgresql:// "
                    "URI ==")
                ok = False
                continue
            error = prepare_postgresql(uri)
            if error:
                if ci:
                    summaries.append(f"== postgresql: FAILED, cannot use "
                        f"{shown} ({error}); CI=true requires PostgreSQL ==")
                    ok = False
                else:
                    warn(f"PostgreSQL at {shown} is unusable ({error}):\n"
                        "SKIPPING THE POSTGRESQL RUN. Start PostgreSQL or set "
                        "TRYTOND_DATABASE_URI; with CI=true this fails.")
                    summaries.append("== postgresql: SKIPPED, server "
                        "unreachable (see the warning above) ==")
                continue
            env.update(TRYTOND_DATABASE_URI=uri, DB_NAME=PG_DB_NAME % RUN)
        env['DB_CACHE'], env['PAKN_TEST_DIGEST'] = db_cache(backend)
        env['PAKN_TEST_RUN'] = RUN
        runs.append((backend, env))
    if args.serial or len(runs) < 2:
        for backend, env in runs:
            print(f"\n===== {backend}: running the tests =====", flush=True)
            run = BackendRun(backend, env, args)
            summary, success = run.wait()
            summaries.append(summary)
            ok &= success
    else:
        # The backends share nothing (SQLite files in temporary folders,
        # PostgreSQL databases, free ports): they run side by side, each
        # writing its output to its log, shown when it ends
        os.makedirs(LOGS, exist_ok=True)
        started = []
        for backend, env in runs:
            log = os.path.join(LOGS, f'test-{backend}.log')
            print(f"===== {backend}: running the tests (output in "
                f"{os.path.relpath(log, ROOT)}) =====", flush=True)
            started.append(BackendRun(backend, env, args, log=log))
        for run in started:
            summary, success = run.wait()
            print(f"\n===== {run.backend}: output =====", flush=True)
            with open(run.log, errors='replace') as file:
                shutil.copyfileobj(file, sys.stdout)
            sys.stdout.flush()
            summaries.append(summary)
            ok &= success
    print()
    for summary in summaries:
        print(summary)
    return 0 if ok else 1


def hide_password(uri):
    parts = urllib.parse.urlsplit(uri)
    if parts.password:
        netloc = parts.netloc.replace(f':{parts.password}@', ':***@', 1)
        uri = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return uri


def warn(message):
    bar = '!' * 72
    print(f"\n{bar}\n!! WARNING: {message}\n{bar}\n", file=sys.stderr,
        flush=True)


def prepare_postgresql(uri):
    "Drop a stale test database; return why the server is unusable, if so"
    try:
        import psycopg
    except ImportError as exception:
        return str(exception)
    try:
        # template1 always exists; the connection is closed before the tests
        with psycopg.connect(uri, dbname='template1', autocommit=True,
                connect_timeout=5) as connection:
            drop_stale_databases(connection)
    except psycopg.Error as exception:
        return str(exception).strip().splitlines()[0]


def drop_stale_databases(connection):
    """Drop the templates and test databases this suite left on the server
    more than a day ago (runs that were killed, caches of older sources).
    Other databases, and those of runs still going, are not touched."""
    import psycopg
    try:
        rows = connection.execute(
            "SELECT datname, extract(epoch FROM now() - "
            "(pg_stat_file('base/' || oid || '/PG_VERSION')).modification) "
            "FROM pg_database WHERE datname LIKE %s OR datname LIKE %s",
            [PG_TEMPLATE_PREFIX.replace('_', r'\_') + '%',
                r'test\_pakn\_%']).fetchall()
    except psycopg.Error:
        # reading the age of a database needs a superuser: keep them all
        return
    for name, age in rows:
        if age is not None and age > STALE:
            connection.execute(
                f'ALTER DATABASE "{name}" IS_TEMPLATE false')
            connection.execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_run_databases(uri):
    "Drop the databases this run created and left (a crashed test)"
    import psycopg
    try:
        with psycopg.connect(uri, dbname='template1', autocommit=True,
                connect_timeout=5) as connection:
            for name, in connection.execute(
                    "SELECT datname FROM pg_database "
                    "WHERE datname LIKE %s AND datname LIKE %s",
                    [r'test\_pakn\_%', f'%\\_{RUN}']).fetchall():
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exception:
        warn(f"cannot drop the test databases of this run: {exception}")


def db_cache(backend):
    """Return the folder caching activated databases for the backend and
    the digest of the sources.

    The folder is named after a hash of everything that shapes those
    databases, so edited modules never restore a stale cache; caches of
    older sources are removed."""
    digest = hashlib.sha256(
        f'{sys.version}\0{version("trytond")}\0'.encode())
    for top in [ADDONS, os.path.join(ROOT, 'tests')]:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames
                if d not in {'__pycache__', 'artifacts'})
            for filename in sorted(filenames):
                if filename.endswith(('.pyc', '.pyo')):
                    continue
                path = os.path.join(dirpath, filename)
                digest.update(os.path.relpath(path, ROOT).encode() + b'\0')
                with open(path, 'rb') as file:
                    digest.update(file.read())
    digest = digest.hexdigest()[:16]
    name = f'{backend}-{digest}'
    os.makedirs(CACHE, exist_ok=True)
    # caches of other sources are removed once unused for a day: another
    # run on other sources (another checkout's state) may still read them
    for old in os.listdir(CACHE):
        path = os.path.join(CACHE, old)
        if (old.startswith(backend + '-') and old != name
                and time.time() - os.path.getmtime(path) > 24 * 3600):
            shutil.rmtree(path, ignore_errors=True)
    path = os.path.join(CACHE, name)
    os.makedirs(path, exist_ok=True)
    os.utime(path)
    return path, digest


class BackendRun:
    "The tests of one backend, run by a child process"

    def __init__(self, backend, env, args, log=None):
        self.backend, self.log = backend, log
        self.uri = env['TRYTOND_DATABASE_URI']
        self.tmp = tempfile.TemporaryDirectory()
        self.result_file = os.path.join(self.tmp.name, 'result.json')
        cmd = [sys.executable, os.path.abspath(__file__),
            '--child', self.result_file]
        if args.verbose:
            cmd.append('-v')
        for pattern in args.patterns:
            cmd.extend(['-k', pattern])
        self.start = time.monotonic()
        output = open(log, 'w') if log else None
        try:
            self.process = subprocess.Popen(
                cmd, env=env, cwd=ROOT, stdout=output,
                stderr=subprocess.STDOUT if output else None)
        finally:
            if output:
                output.close()

    def wait(self):
        "Wait for the child; return its summary line and its success"
        backend = self.backend
        returncode = self.process.wait()
        duration = time.monotonic() - self.start
        if backend == 'postgresql':
            drop_run_databases(self.uri)
        try:
            with open(self.result_file) as file:
                result = json.load(file)
        except (OSError, ValueError):
            return (f"== {backend}: CRASHED (exit code {returncode}) "
                f"after {duration:.1f}s ==", False)
        finally:
            self.tmp.cleanup()
        run = result['run']
        problems = [f"{key}={result[key]}"
            for key in ['failures', 'errors', 'unexpected_successes']
            if result[key]]
        extra = ''.join(f", {result[key]} {key.replace('_', ' ')}"
            for key in ['skipped', 'expected_failures'] if result[key])
        if not run:
            return f"== {backend}: FAILED, no tests found ==", False
        if problems or returncode:
            return (f"== {backend}: FAILED ({', '.join(problems)}) "
                f"{run} tests{extra} in {duration:.1f}s ==", False)
        return (f"== {backend}: {run} tests OK{extra} in {duration:.1f}s ==",
            True)


class ImportFailure(unittest.TestCase):
    "Stands for a test module that cannot be imported"

    def __init__(self, name, error):
        super().__init__('runTest')
        self.name, self.error = name, error

    def id(self):
        return self.name

    def __str__(self):
        return f"{self.name} (import)"

    def runTest(self):
        raise ImportError(f"cannot import {self.name}:\n{self.error}")


class TimedResult(unittest.TextTestResult):
    "Keeps how long each test took (the first of a class with its set-up)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = []
        self._started = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        self.durations.append((test.id(), time.monotonic() - self._started))
        self._started = time.monotonic()


def pg_cache():
    """Keep the activated databases of the module tests as PostgreSQL
    templates named after the sources, instead of pg_dump files: a
    CREATE DATABASE ... TEMPLATE restores one in a fraction of a second."""
    from trytond.tests import test_tryton
    from trytond.transaction import Transaction
    prefix = PG_TEMPLATE_PREFIX + os.environ['PAKN_TEST_DIGEST'][:12] + '_'
    test_tryton.DB_CACHE = 'postgresql://'

    def cache_file(path, name):
        digest = hashlib.shake_128(name.encode('utf8')).hexdigest(20)
        return f'{test_tryton.DB_CACHE}/{prefix}{digest}'
    test_tryton._db_cache_file = cache_file
    backup = test_tryton.backup_db_cache

    def db_exist(name=None):
        # trytond's lists the Tryton databases that are not templates,
        # connecting to each database of the server
        import psycopg
        with psycopg.connect(os.environ['TRYTOND_DATABASE_URI'],
                dbname='template1') as connection:
            return bool(connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s",
                    [name or test_tryton.DB_NAME]).fetchall())
    test_tryton.db_exist = db_exist

    def backup_db_cache(name):
        try:
            backup(name)
        except Exception:
            # another run of the same sources made it at the same moment
            traceback.print_exc()
            return
        template = cache_file(None, name).split('/')[-1]
        with Transaction().start(
                None, 0, close=True, autocommit=True) as transaction:
            cursor = transaction.connection.cursor()
            # a template is not in trytond's list of databases, which the
            # web client's login offers
            cursor.execute(
                f'ALTER DATABASE "{template}" IS_TEMPLATE true')
    test_tryton.backup_db_cache = backup_db_cache


def child(args):
    sys.path.insert(0, ROOT)
    if os.environ['TRYTOND_DATABASE_URI'].startswith('postgresql'):
        pg_cache()
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [
            p if '*' in p else f'*{p}*' for p in args.patterns]
    suite = unittest.TestSuite()
    owners = {}  # test id: its module (addons/) or its file of tests/
    for module in sorted(os.listdir(ADDONS)):
        tests = os.path.join(ADDONS, module, 'tests')
        if (not os.path.isfile(os.path.join(ADDONS, module, 'tryton.cfg'))
                or not os.path.isdir(tests)):
            continue
        for filename in sorted(os.listdir(tests)):
            if not (filename.startswith('test_')
                    and filename.endswith('.py')):
                continue
            name = f'trytond.modules.{module}.tests.{filename[:-3]}'
            try:
                __import__(name)
            except Exception:
                suite.addTest(ImportFailure(name, traceback.format_exc()))
                continue
            tests = loader.loadTestsFromModule(sys.modules[name])
            owners.update(dict.fromkeys(test_ids(tests), module))
            suite.addTests(tests)
    tests = loader.discover(
        os.path.join(ROOT, 'tests'), pattern='test_*.py', top_level_dir=ROOT)
    owners.update((i, 'tests/' + i.split('.')[1]) for i in test_ids(tests))
    suite.addTests(tests)
    runner = unittest.TextTestRunner(
        verbosity=2 if args.verbose else 1, resultclass=TimedResult)
    result = runner.run(suite)
    slowest = sorted(result.durations, key=lambda d: -d[1])[:8]
    print("Slowest: " + ', '.join(
            f"{name.split('.')[-1]} {seconds:.0f}s"
            for name, seconds in slowest), flush=True)
    # the time of each class (module for doctests), set-up included
    classes = {}
    for name, seconds in result.durations:
        key = name.rsplit('.', 1)[0] if ' ' not in name else name
        classes[key] = classes.get(key, 0) + seconds
    slowest = sorted(classes.items(), key=lambda d: -d[1])[:10]
    print("Slowest classes: " + ', '.join(
            f"{name.split('.')[-1]} {seconds:.0f}s"
            for name, seconds in slowest), flush=True)
    modules = {}
    for name, seconds in result.durations:
        key = owners.get(name, 'other')
        modules[key] = modules.get(key, 0) + seconds
    print("Time per module: " + ', '.join(
            f"{name} {seconds:.0f}s"
            for name, seconds in sorted(modules.items())), flush=True)
    with open(args.child, 'w') as file:
        json.dump({
                'run': result.testsRun,
                'failures': len(result.failures),
                'errors': len(result.errors),
                'skipped': len(result.skipped),
                'expected_failures': len(result.expectedFailures),
                'unexpected_successes': len(result.unexpectedSuccesses),
                }, file)
    return 0 if result.wasSuccessful() else 1


def test_ids(suite):
    "The ids of the tests of a suite, its nested suites included"
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from test_ids(test)
        else:
            yield test.id()


if __name__ == '__main__':
    sys.exit(main())
