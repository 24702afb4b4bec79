# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The handling time of a case, in working days, for the reports'
average and 90th percentile (report.py).

A case's handling time is the working time from its receipt to the event
that delivered its answer or closed it (its first ending event other than
a rejection or a duplicate mark), on the working calendar of its lead unit
(Deadline.calendar_of), in working days of that calendar's day length. It
is written by the server when that event is written and never changed
after: a later calendar change does not rewrite what was measured (as the
ledger keeps whether a step was late). Cases ended before the module was
activated get theirs when it is (__register__)."""
from sql import Null

from trytond.model import fields
from trytond.modules.pakn_helpdesk.lifecycle import ENDING_EVENTS
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

__all__ = ['DONE_EVENTS', 'handling_days']

# The events that end a case with an answer or a closing: the handled
# cases; a rejection or a duplicate mark is not handling
DONE_EVENTS = [e for e in ENDING_EVENTS if e not in {'rejected', 'duplicate'}]


def handling_days(calendar, start, end):
    """The working days (float) between the naive UTC instants start and
    end on the calendar (a WorkingTime)"""
    return calendar.measure(start, end).total_seconds() / calendar.day_length


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    handling_time = fields.Float(
        "Handling Time", digits=(16, 2), readonly=True,
        help="The working days from the receipt of the case to its answer "
        "or closing, on the working calendar of its lead unit.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event_reactions.append((30, 'handling_react'))

    @classmethod
    def __register__(cls, module_name):
        table_h = cls.__table_handler__(module_name)
        fill = not table_h.column_exist('handling_time')
        super().__register__(module_name)
        if fill:
            cls.fill_handling_times()

    @classmethod
    def handling_react(cls, tickets, events):
        "Measure the handling time of the cases just answered or closed"
        for ticket, event in zip(tickets, events):
            if event.type not in DONE_EVENTS:
                continue
            ticket = cls(ticket.id)
            if ticket.handling_time is not None:
                continue
            cls._set_handling_time(ticket.id, ticket, event.date)

    @classmethod
    def _set_handling_time(cls, id_, ticket, ended_at):
        pool = Pool()
        Deadline = pool.get('pakn.ticket.deadline')
        value = handling_days(
            Deadline.calendar_of(ticket), ticket.received_at, ended_at)
        table = cls.__table__()
        # the server's measure, not a change of the case: no write, no
        # event, no client check
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.handling_time], [round(value, 4)],
                where=table.id == id_))
        # the records read before see the new value
        transaction.counter += 1

    @classmethod
    def fill_handling_times(cls):
        """Measure the handling time of the cases answered or closed that
        have none (those ended before the module was activated)"""
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        table = cls.__table__()
        event = Event.__table__()
        cursor = Transaction().connection.cursor()
        # the rows, not an aggregate, keep their types on SQLite
        cursor.execute(*table.join(
                event, condition=event.ticket == table.id).select(
                table.id, event.date,
                where=(table.handling_time == Null)
                & event.type.in_(DONE_EVENTS),
                order_by=[table.id, event.date.desc]))
        # the first done event of each case
        ended = dict(cursor)
        for ticket in cls.browse(list(ended)):
            cls._set_handling_time(ticket.id, ticket, ended[ticket.id])
