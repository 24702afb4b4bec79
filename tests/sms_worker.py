# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Send the due SMS of DATABASE once, as trytond-cron does, and print the
states of the outbox; with "states" only print them.

Usage: sms_worker.py DATABASE [states]"""
import json
import sys

from trytond.pool import Pool
from trytond.transaction import Transaction


def main(database, what='send'):
    Pool.start()
    pool = Pool(database)
    pool.init()
    Message = pool.get('pakn.sms.message')
    if what == 'send':
        with Transaction().start(database, 0) as transaction:
            Message.send_due()
            transaction.commit()
    with Transaction().start(database, 0, readonly=True):
        json.dump({
                m.reference: [m.state, m.provider_id, m.attempts]
                for m in Message.search([])}, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
