# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Verify the hash chains of the cases' histories in a database.

    python -m trytond.modules.pakn_helpdesk.verify_log \\
        -c trytond.conf -d DATABASE [--case CODE ...]

Print "OK: N events of M cases verified" and exit 0; or, for each broken
case, its first broken event (id, case code, date, type and reason), and
exit 1. Exit 2 when the database cannot be read."""
import argparse
import os
import sys

import trytond.config as config

REASONS = {
    'unsealed': "the event has no hash: it was inserted outside Tryton",
    'position': (
        "the event is not at the next position: an event before it "
        "was removed"),
    'previous': (
        "the previous hash differs: an event before it was removed, "
        "inserted or rewritten"),
    'hash': "the hash differs from the event's values: the event was altered",
    'head': (
        "the case's latest hash differs: the events after this one "
        "were removed (or the case's hash was changed)"),
    }


def get_parser():
    parser = argparse.ArgumentParser(
        prog='python -m trytond.modules.pakn_helpdesk.verify_log',
        description="Verify the hash chains of the cases' histories.")
    parser.add_argument(
        '-c', '--config', dest='configfile', metavar='FILE', nargs='+',
        default=[os.environ.get('TRYTOND_CONFIG')],
        help="specify configuration files")
    parser.add_argument(
        '-d', '--database', dest='database_name', required=True,
        metavar='DATABASE', help="specify the database name")
    parser.add_argument(
        '--case', dest='codes', nargs='+', default=None, metavar='CODE',
        help="verify only the cases of these codes")
    return parser


def verify(database_name, codes=None, out=sys.stdout):
    "Verify the chains of database_name; return the exit status"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(database_name)
    with Transaction().start(database_name, 0, readonly=True):
        pool.init()
    with Transaction().start(database_name, 0, readonly=True):
        Ticket = pool.get('pakn.ticket')
        Event = pool.get('pakn.ticket.event')
        tickets = None
        if codes is not None:
            tickets = Ticket.search([('code', 'in', codes)])
            if len(tickets) != len(set(codes)):
                found = {t.code for t in tickets}
                print("Unknown case: %s" % ', '.join(
                        sorted(set(codes) - found)), file=out)
                return 2
        report = Event.verify_chain(tickets)
        if not report.breaks:
            print("OK: %s events of %s cases verified"
                % (report.events, report.cases), file=out)
            return 0
        for break_ in report.breaks:
            ticket = Ticket(break_.ticket)
            if break_.event is not None:
                event = Event(break_.event)
                where = "event %s of case %s, %s, %s" % (
                    event.id, ticket.code,
                    event.date.isoformat(sep=' '), event.type)
            else:
                where = "case %s, no event left" % ticket.code
            print("BROKEN: %s: %s" % (where, REASONS[break_.reason]),
                file=out)
        print("FAILED: %s of %s cases broken (%s events verified)"
            % (len(report.breaks), report.cases, report.events), file=out)
        return 1


def exists(database_name):
    """Whether the server has the Tryton database database_name (asked
    first: connecting to a missing one waits for the pool's timeout)"""
    from trytond import backend
    database = backend.Database().connect()
    try:
        return database_name in database.list()
    finally:
        database.close()


def main(argv=None):
    options = get_parser().parse_args(argv)
    config.update_etc(options.configfile)
    try:
        if not exists(options.database_name):
            print("Cannot verify %s: no such Tryton database"
                % options.database_name, file=sys.stderr)
            return 2
        return verify(options.database_name, options.codes)
    except Exception as exception:
        print("Cannot verify %s: %s" % (options.database_name, exception),
            file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
