# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Add COUNT events to the case TICKET of DATABASE from the instant START
(epoch seconds), each in its own transaction, retried when the database
reports a conflict with a concurrent transaction, as the dispatcher does.
Print the number of retries.

Usage: chain_worker.py DATABASE TICKET START COUNT NAME"""
import datetime as dt
import random
import sys
import time

from trytond import backend
from trytond.pool import Pool
from trytond.transaction import Transaction


def main(database, ticket, start, count, name):
    Pool.start()
    pool = Pool(database)
    pool.init()
    time.sleep(max(0, float(start) - time.time()))
    retries = 0
    for i in range(int(count)):
        for attempt in range(50):
            try:
                with Transaction().start(database, 0) as transaction:
                    Event = pool.get('pakn.ticket.event')
                    Event.create([{
                                'ticket': int(ticket),
                                'date': dt.datetime.now(),
                                'type': 'forwarded',
                                'to_state': 'forwarded',
                                'note': '%s #%d' % (name, i),
                                }])
                    # let the other worker come in between
                    time.sleep(random.uniform(0, 0.02))
                    transaction.commit()
                break
            except backend.DatabaseOperationalError:
                retries += 1
                time.sleep(random.uniform(0.01, 0.1))
        else:
            raise SystemExit('%s: event %d not written' % (name, i))
    print(retries)


if __name__ == '__main__':
    main(*sys.argv[1:])
