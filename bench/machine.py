# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the benchmarks say of the machine they ran on."""
import os
import platform


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
