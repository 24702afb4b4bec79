# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""On-time figures from the deadline ledger for a period (the portal's
statistics; the case lists search the same rule through Ticket.late).

A case is late from the due instant of the first of its final limits
(`pakn.sla.stage.final`) that passed before its step was done: the ledger's
rows keep `late` for ever, whether the step was done later or never.

For a period [start, end):
- cases to handle = received in the period + carried over (received before
  it and not ended when it began);
- late = those late and still in progress at its end + those that ended in
  it late, i.e. the cases to handle with a late final limit due before the
  end of the period;
- late rate = late / cases to handle; on-time rate = 1 - late rate.

A case ends at its first ending event (answered, published, sent privately,
rejected, duplicate, closed: lifecycle.ENDING_EVENTS)."""
from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case

from trytond.pool import Pool
from trytond.transaction import Transaction

from .lifecycle import ENDING_EVENTS


def timeliness(start, end, group_by=None, where=None):
    """Return {group: (to_handle, late)} for the period [start, end) (naive
    UTC), grouped by the pakn_ticket column named group_by (None for a
    single group None); where is a function of the ticket table giving an
    extra SQL condition. One SQL query."""
    pool = Pool()
    Ticket = pool.get('pakn.ticket')
    Event = pool.get('pakn.ticket.event')
    Deadline = pool.get('pakn.ticket.deadline')
    ticket = Ticket.__table__()
    event = Event.__table__()
    deadline = Deadline.__table__()
    cursor = Transaction().connection.cursor()

    query, condition, _, late = handled(
        start, end, ticket, event, deadline)
    if where is not None:
        condition &= where(ticket)
    is_late = Case(
        ((late.late_from != Null) & (late.late_from < end), 1), else_=0)
    group = getattr(ticket, group_by) if group_by else Literal(None)
    columns = [group, Count(ticket.id), Sum(is_late)]
    cursor.execute(*query.select(
            *columns, where=condition,
            group_by=[group] if group_by else None))
    return {g: (int(n), int(l or 0)) for g, n, l in cursor}


def handled(start, end, ticket, event, deadline, ended_columns=()):
    """The cases to handle in the period [start, end) as (from item,
    condition, ended, late): the ticket table joined to the subqueries
    ended (ended_at: when the case ended, and ended_columns: aggregates of
    its ending events in the event table) and late (late_from: the due
    instant of its first late final limit)"""
    ended = event.select(
        event.ticket, Min(event.date).as_('ended_at'), *ended_columns,
        where=event.type.in_(ENDING_EVENTS),
        group_by=[event.ticket])
    late = deadline.select(
        deadline.ticket, Min(deadline.due).as_('late_from'),
        where=(deadline.final == Literal(True))
        & (deadline.late == Literal(True)),
        group_by=[deadline.ticket])
    query = ticket.join(
        ended, 'LEFT', condition=ended.ticket == ticket.id).join(
        late, 'LEFT', condition=late.ticket == ticket.id)
    condition = (ticket.received_at < end) & (
        (ticket.received_at >= start)
        | (ended.ended_at == Null)
        | (ended.ended_at >= start))
    return query, condition, ended, late


def rate(to_handle, late):
    "Return the on-time rate of the counts, None without case to handle"
    if not to_handle:
        return None
    return 1 - late / to_handle
