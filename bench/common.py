# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the benchmarks share: a PostgreSQL database with the modules,
what they say of the machine they ran on, and the file of their results."""
import os
import platform
import subprocess
import sys

RESULTS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'RESULTS.md')


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as fp:
            for line in fp:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as fp:
            memory = int(fp.readline().split()[1]) // 1024 // 1024
    except OSError:
        memory = '?'
    return "%s CPU(s) %s, %s GiB, Python %s" % (
        os.cpu_count(), cpu, memory, platform.python_version())


def pg_version(uri):
    import psycopg
    with psycopg.connect(uri, dbname='postgres') as conn:
        return conn.execute('SHOW server_version').fetchone()[0]


def create_database(uri, database, modules, tmp):
    """(Re)create the PostgreSQL database with the modules activated by
    trytond-admin; return the environment of trytond for it"""
    import psycopg
    with psycopg.connect(uri, dbname='postgres', autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)
        conn.execute('CREATE DATABASE "%s" ENCODING \'UTF8\'' % database)
    passfile = os.path.join(tmp, 'pass')
    with open(passfile, 'w') as fp:
        fp.write('bench-1022')
    env = {**os.environ, 'TRYTOND_DATABASE_URI': uri,
        'TRYTOND_DATABASE__PATH': tmp, 'TRYTONPASSFILE': passfile}
    env.pop('TRYTOND_CONFIG', None)
    subprocess.run([
            os.path.join(os.path.dirname(sys.executable), 'trytond-admin'),
            '-d', database, '--all', '-u', *modules,
            '--activate-dependencies'],
        input='\n', text=True, env=env, check=True, capture_output=True)
    return env


def write_results(title, lines):
    """Write lines, a section of bench/RESULTS.md ("## title ..." and its
    text), in place of the section whose title starts with title; the other
    sections are kept, a new one goes last"""
    content = "# Benchmarks\n"
    if os.path.exists(RESULTS):
        with open(RESULTS) as fp:
            content = fp.read()
    head, *sections = content.split('\n## ')
    blocks = [head.strip('\n')] + ['## ' + s.strip('\n') for s in sections]
    mine = [i for i, b in enumerate(blocks) if b.startswith('## ' + title)]
    blocks = [b for b in blocks if not b.startswith('## ' + title)]
    blocks.insert(mine[0] if mine else len(blocks),
        '\n'.join(lines).strip('\n'))
    with open(RESULTS, 'w') as fp:
        fp.write('\n\n'.join(blocks) + '\n')
    print("written to bench/RESULTS.md")


def committed(database, function, *args):
    """Run function(*args) in a transaction of the database as the root
    user, committed; return its result. The creation of a singleton
    (the configuration) locks its table: the transaction starts again."""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        try:
            with Transaction().start(database, 0, **extras) as transaction:
                result = function(*args)
                transaction.commit()
                return result
        except TransactionError as exception:
            exception.fix(extras)
