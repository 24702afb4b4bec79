# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Run one sweep of the deadlines of DATABASE at the instant START (epoch
seconds), as trytond-cron would: in its own transaction, retried when the
database reports a conflict with a concurrent transaction.

Usage: sweep_worker.py DATABASE START"""
import sys
import time

from trytond import backend
from trytond.pool import Pool
from trytond.transaction import Transaction


def main(database, start):
    Pool.start()
    pool = Pool(database)
    pool.init()
    time.sleep(max(0, float(start) - time.time()))
    for attempt in range(10):
        try:
            with Transaction().start(database, 0) as transaction:
                Deadline = pool.get('pakn.ticket.deadline')
                Deadline.sweep()
                transaction.commit()
            print('swept after %s retries' % attempt)
            return
        except backend.DatabaseOperationalError:
            time.sleep(0.2)
    raise SystemExit('no sweep after 10 attempts')


if __name__ == '__main__':
    main(*sys.argv[1:])
