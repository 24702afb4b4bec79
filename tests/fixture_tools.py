# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The shared start of the ORM fixture scripts of the test servers"
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError


def run_load(database, load, *args):
    """Open the database's pool and call load(pool, transaction, *args) in
    a transaction as root, retried with what a TransactionError asks for
    (e.g. the configuration singleton needs its table locked)"""
    Pool.start()
    pool = Pool(database)
    pool.init()
    extras = {}
    while True:
        with Transaction().start(database, 0, **extras) as transaction:
            try:
                return load(pool, transaction, *args)
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
