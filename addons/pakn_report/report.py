# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The figures of the periodic reports (SPEC §6), computed in one SQL query
per report over the tables of the cases, their events, deadlines,
extensions and ratings; to be called inside a transaction.

For a period [start, end) (naive UTC), per group (the lead unit, the
field, the category or the channel of the case; None for the total):
- received: received in the period; carried: received before it and not
  ended when it began; to_handle = received + carried (ledger.timeliness);
- open_not_due, open_due_soon, open_late: the cases to handle not ended at
  the end of the period: late (ledger), else with a final limit due within
  a day of the end, else not yet due;
- done_on_time, done_late: ended in the period by an answer or a closing;
- rejected, duplicate: ended in the period by that event; so that
  to_handle = open_* + done_* + rejected + duplicate;
- late: the ledger's late cases (ledger.timeliness), whatever their end;
  late_rate = late / to_handle, on_time_rate = 1 - late_rate;
- returned: the 'returned' events of the period (returned as not
  competent), by the unit that returned the case when grouped by unit;
- extensions: the extensions granted in the period, by the unit whose
  deadline was extended when grouped by unit;
- ratings, satisfied: the ratings given in the period and those among them
  that count as satisfied (rating.SATISFIED), by the unit that answered
  when grouped by unit.

- timed: the cases done in the period (done_on_time + done_late) with a
  handling time (handling.py: working days from receipt to answer);
  handling_days: the sum of their handling times; avg_days: their average
  and p90_days: their 90th percentile by nearest rank (the smallest time
  that at least 90 % of them do not exceed), both rounded to 2 decimals,
  None without timed case. The percentile is computed in the query (window
  functions); it does not add up, so roll_up cannot give it for a unit
  with sub-units (None there).

Groups: one key of GROUPS, or a tuple of keys (e.g. ('unit', 'field'): the
groups are then tuples of ids, a cross breakdown).

A limit "due within a day" is read from the deadline rows as they are now
(their current due, after any extension), not as they were at the end of
the period."""
import datetime as dt

from sql import Literal, Null, Union, Window
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import RowNumber

from trytond.modules.pakn_helpdesk.common import to_utc, zone
from trytond.modules.pakn_helpdesk.ledger import handled
from trytond.modules.pakn_portal.rating import SATISFIED
from trytond.pool import Pool
from trytond.transaction import Transaction

# The groupings and the column of the case each one reads
GROUPS = {
    'unit': 'lead_unit',
    'field': 'field',
    'category': 'category',
    'channel': 'channel',
    }
# The counts of a group, in the order of the query's columns
COUNTS = [
    'received', 'carried', 'to_handle', 'late',
    'open_not_due', 'open_due_soon', 'open_late',
    'done_on_time', 'done_late', 'rejected', 'duplicate',
    'returned', 'extensions', 'ratings', 'satisfied', 'timed',
    ]
# The handling times of the cases done, after the counts in the query
TIMES = ['handling_days', 'p90_days']
PERIODS = ['week', 'month', 'quarter', 'half_year', 'year']
DUE_SOON = dt.timedelta(days=1)


def period_bounds(kind, date, timezone=None):
    """The naive UTC bounds [start, end) of the period of kind (PERIODS)
    holding the date, in the local time of timezone (the province's when
    None)"""
    if kind == 'week':
        first = date - dt.timedelta(days=date.weekday())
        following = first + dt.timedelta(days=7)
    elif kind == 'year':
        first = dt.date(date.year, 1, 1)
        following = dt.date(date.year + 1, 1, 1)
    else:
        months = {'month': 1, 'quarter': 3, 'half_year': 6}[kind]
        month = (date.month - 1) // months * months
        first = dt.date(date.year, month + 1, 1)
        year, month = divmod(month + months, 12)
        following = dt.date(date.year + year, month + 1, 1)
    timezone = zone(timezone)
    return to_utc(first, timezone), to_utc(following, timezone)


def unit_tree(unit_ids):
    "The ids of the units and of all their sub-units, active or not"
    pool = Pool()
    Unit = pool.get('pakn.unit')
    with Transaction().set_context(active_test=False):
        return {u.id for u in Unit.search(
                [('parent', 'child_of', list(unit_ids))], order=[])}


def _flag(condition):
    return Case((condition, 1), else_=0)


def _tables():
    pool = Pool()
    return {name: pool.get(model).__table__() for name, model in [
            ('ticket', 'pakn.ticket'),
            ('event', 'pakn.ticket.event'),
            ('deadline', 'pakn.ticket.deadline'),
            ]}


def _handled(tables, start, end, units):
    """The cases to handle in the period (ledger.handled, with when they
    were rejected or marked duplicate) of the units"""
    ticket, event = tables['ticket'], tables['event']

    def first(type_):
        return Min(Case((event.type == type_, event.date), else_=Null))
    query, condition, ended, late = handled(
        start, end, ticket, event, tables['deadline'], [
            first('rejected').as_('rejected_at'),
            first('duplicate').as_('duplicate_at')])
    if units is not None:
        condition &= ticket.lead_unit.in_(list(units) or [-1])
    return query, condition, ended, late


def _case_part(tables, start, end, group_by, units):
    "The counts of the cases to handle, by the group of the case"
    ticket, deadline = tables['ticket'], tables['deadline']
    query, condition, ended, late = _handled(tables, start, end, units)
    soon = deadline.select(
        deadline.ticket, Min(deadline.due).as_('due'),
        where=(deadline.final == Literal(True))
        & (deadline.state != 'cancelled')
        & (deadline.start < end)
        & (deadline.due >= end) & (deadline.due < end + DUE_SOON)
        & ((deadline.met_at == Null) | (deadline.met_at >= end))
        & ((deadline.closed_at == Null) | (deadline.closed_at >= end)),
        group_by=[deadline.ticket])
    query = query.join(soon, 'LEFT', condition=soon.ticket == ticket.id)

    is_late = (late.late_from != Null) & (late.late_from < end)
    is_open = (ended.ended_at == Null) | (ended.ended_at >= end)
    ended_in = (ended.ended_at >= start) & (ended.ended_at < end)
    rejected = ended_in & (ended.rejected_at == ended.ended_at)
    duplicate = ended_in & (ended.duplicate_at == ended.ended_at)
    done = ended_in & (Coalesce(ended.rejected_at, ended.duplicate_at)
        == Null)
    counts = {
        'received': Sum(_flag(ticket.received_at >= start)),
        'carried': Sum(_flag(ticket.received_at < start)),
        'to_handle': Count(ticket.id),
        'late': Sum(_flag(is_late)),
        'open_not_due': Sum(_flag(
                    is_open & ~is_late & (soon.due == Null))),
        'open_due_soon': Sum(Case(
                (is_late, 0), (is_open & (soon.due != Null), 1), else_=0)),
        'open_late': Sum(_flag(is_open & is_late)),
        'done_on_time': Sum(_flag(done & ~is_late)),
        'done_late': Sum(_flag(done & is_late)),
        'rejected': Sum(_flag(rejected)),
        'duplicate': Sum(_flag(duplicate)),
        }
    return _select(
        query, _group(ticket, group_by), counts, condition, group_by)


def _handling_part(tables, start, end, group_by, units):
    """The handling times of the cases done in the period, by the group of
    the case: their number, sum and 90th percentile (nearest rank)"""
    ticket = tables['ticket']
    query, condition, ended, _ = _handled(tables, start, end, units)
    condition &= ((ended.ended_at >= start) & (ended.ended_at < end)
        & (Coalesce(ended.rejected_at, ended.duplicate_at) == Null)
        & (ticket.handling_time != Null))
    group = _group(ticket, group_by)
    partition = group if group_by else []
    timed = query.select(
        *(g.as_('g%d' % i) for i, g in enumerate(group)),
        ticket.handling_time.as_('time'),
        RowNumber(window=Window(partition, order_by=[
                    ticket.handling_time.asc, ticket.id.asc])).as_(
            'position'),
        Count(Literal(1), window=Window(partition)).as_('timed'),
        where=condition)
    # the nearest rank of the 90th percentile: ceil(0.9 n), in integers
    rank = (timed.timed * 9 + 9) / 10
    if group_by:
        group = [getattr(timed, 'g%d' % i) for i in range(len(group))]
    else:
        group = [Literal(None)]
    values = {
        'timed': Count(timed.time),
        'handling_days': Sum(timed.time),
        'p90_days': Sum(Case((timed.position == rank, timed.time),
                else_=0)),
        }
    return _select(timed, group, values, None, group_by)


def _event_part(tables, start, end, group_by, units):
    "The cases returned as not competent in the period, by returning unit"
    ticket, event = tables['ticket'], tables['event']
    query = event.join(ticket, condition=event.ticket == ticket.id)
    condition = ((event.type == 'returned')
        & (event.date >= start) & (event.date < end))
    if units is not None:
        condition &= event.unit.in_(list(units) or [-1])
    group = _group(ticket, group_by, unit=event.unit)
    return _select(
        query, group, {'returned': Count(event.id)}, condition, group_by)


def _extension_part(tables, start, end, group_by, units):
    "The extensions granted in the period, by the unit of the deadline"
    pool = Pool()
    Extension = pool.get('pakn.ticket.extension')
    extension = Extension.__table__()
    ticket, deadline = tables['ticket'], tables['deadline']
    query = extension.join(
        ticket, condition=extension.ticket == ticket.id).join(
        deadline, 'LEFT', condition=extension.deadline == deadline.id)
    unit = Coalesce(deadline.unit, ticket.lead_unit)
    condition = (extension.date >= start) & (extension.date < end)
    if units is not None:
        condition &= unit.in_(list(units) or [-1])
    group = _group(ticket, group_by, unit=unit)
    return _select(query, group, {'extensions': Count(extension.id)},
        condition, group_by)


def _rating_part(tables, start, end, group_by, units):
    "The ratings given in the period, by the unit that answered"
    pool = Pool()
    Rating = pool.get('pakn.portal.rating')
    rating = Rating.__table__()
    ticket = tables['ticket']
    query = rating.join(ticket, condition=rating.ticket == ticket.id)
    condition = (rating.date >= start) & (rating.date < end)
    if units is not None:
        condition &= rating.unit.in_(list(units) or [-1])
    group = _group(ticket, group_by, unit=rating.unit)
    counts = {
        'ratings': Count(rating.id),
        'satisfied': Sum(_flag(rating.value.in_(sorted(SATISFIED)))),
        }
    return _select(query, group, counts, condition, group_by)


def _keys(group_by):
    "The keys of GROUPS of group_by (None, a key or a tuple of keys)"
    if group_by is None:
        return ()
    if isinstance(group_by, str):
        return (group_by,)
    return tuple(group_by)


def _group(ticket, group_by, unit=None):
    """The columns of the group of a case (a constant for the total); the
    unit column is unit when given (the unit that acted) instead of the
    case's lead unit"""
    keys = _keys(group_by)
    if not keys:
        return [Literal(None)]
    return [unit if k == 'unit' and unit is not None
        else getattr(ticket, GROUPS[k]) for k in keys]


def _select(query, group, values, condition, group_by):
    """The select of a part: the group's columns g0, g1… and every count
    and time (0 when not its own)"""
    columns = [g.as_('g%d' % i) for i, g in enumerate(group)] + [
        values.get(name, Literal(0)).as_(name) for name in COUNTS + TIMES]
    return query.select(*columns, where=condition,
        group_by=group if group_by else None)


def figures(start, end, group_by=None, units=None):
    """The figures of the period [start, end) (naive UTC) as {group:
    {name: value}} with the counts of COUNTS, late_rate, on_time_rate,
    handling_days, avg_days, p90_days (see the module's docstring),
    grouped by group_by (a key of GROUPS, a tuple of keys for a cross
    breakdown with tuples of ids as groups, or None for the total, under
    None); units: None for every unit or the ids of the units to report
    on (see unit_tree). One SQL query."""
    keys = _keys(group_by)
    if any(k not in GROUPS for k in keys) or len(set(keys)) != len(keys):
        raise ValueError(group_by)
    if units is not None:
        units = sorted(units)
    tables = _tables()
    parts = [part(tables, start, end, group_by, units) for part in [
            _case_part, _handling_part, _event_part, _extension_part,
            _rating_part]]
    union = Union(*parts, all_=True)
    width = len(keys) or 1
    group = [getattr(union, 'g%d' % i) for i in range(width)]
    query = union.select(*group,
        *(Sum(getattr(union, name)) for name in COUNTS + TIMES),
        group_by=group)
    cursor = Transaction().connection.cursor()
    cursor.execute(*query)
    result = {}
    for row in cursor:
        key = tuple(row[:width]) if len(keys) > 1 else row[0]
        values = {n: int(v or 0) for n, v in zip(COUNTS, row[width:])}
        handling, p90 = row[width + len(COUNTS):]
        values['handling_days'] = round(float(handling or 0), 4)
        values['p90_days'] = (
            round(float(p90), 2) if values['timed'] else None)
        result[key] = _rates(values)
    return result


def _rates(values):
    """Set late_rate and on_time_rate (None without case to handle) and
    avg_days (None without timed case) of the figures"""
    to_handle, late = values['to_handle'], values['late']
    values['late_rate'] = late / to_handle if to_handle else None
    values['on_time_rate'] = (
        1 - values['late_rate'] if to_handle else None)
    values.setdefault('handling_days', 0.)
    values.setdefault('p90_days', None)
    timed = values['timed']
    values['avg_days'] = (
        round(values['handling_days'] / timed, 2) if timed else None)
    return values


def roll_up(by_unit):
    """The figures by unit (figures grouped by 'unit') with the counts of
    each unit's sub-units added to it and to each of its ancestors, as
    {unit: {name: value}}; the cases without unit stay under None. The
    90th percentile of a unit that gathers the figures of several units
    is None (a percentile does not add up)."""
    pool = Pool()
    Unit = pool.get('pakn.unit')
    with Transaction().set_context(active_test=False):
        units = Unit.search([('id', 'in', [u for u in by_unit if u])])
        parents = {}
        for unit in units:
            parents[unit.id] = ancestors = []
            parent = unit.parent
            while parent:
                ancestors.append(parent.id)
                parent = parent.parent
    result, sources = {}, {}
    for unit, values in by_unit.items():
        for key in [unit, *parents.get(unit, [])]:
            totals = result.setdefault(key, dict.fromkeys(COUNTS, 0))
            for name in COUNTS:
                totals[name] += values[name]
            totals['handling_days'] = round(
                totals.get('handling_days', 0) + values['handling_days'], 4)
            sources.setdefault(key, []).append(values)
    for key, totals in result.items():
        timed = [v for v in sources[key] if v['timed']]
        totals['p90_days'] = timed[0]['p90_days'] if len(timed) == 1 else None
    return {k: _rates(v) for k, v in result.items()}


def received(bounds, units=None):
    """The number of cases received in each period of bounds (a list of
    naive UTC [start, end) pairs) as a list, the received count of figures
    for each; units as in figures. One SQL query, one pass over the
    cases."""
    if not bounds:
        return []
    pool = Pool()
    Ticket = pool.get('pakn.ticket')
    ticket = Ticket.__table__()
    condition = ((ticket.received_at >= min(b[0] for b in bounds))
        & (ticket.received_at < max(b[1] for b in bounds)))
    if units is not None:
        condition &= ticket.lead_unit.in_(sorted(units) or [-1])
    cursor = Transaction().connection.cursor()
    cursor.execute(*ticket.select(*(
                Sum(_flag((ticket.received_at >= first)
                        & (ticket.received_at < following)))
                for first, following in bounds),
            where=condition))
    return [int(v or 0) for v in cursor.fetchone()]


def late_cases(start, end, units=None):
    """The cases late in the period [start, end) (the ledger's late cases
    to handle in it) as a list of dicts of id, code, unit (the lead unit's
    id), due (of the first final limit missed), met_at (when that step was
    done, None if not within the period) and delay_reason, by due"""
    tables = _tables()
    ticket, deadline = tables['ticket'], tables['deadline']
    if units is not None:
        units = sorted(units)
    query, condition, _, late = _handled(tables, start, end, units)
    query = query.join(deadline, condition=(deadline.ticket == ticket.id)
        & (deadline.due == late.late_from)
        & (deadline.final == Literal(True))
        & (deadline.late == Literal(True)))
    condition &= late.late_from < end
    cursor = Transaction().connection.cursor()
    # the rows themselves, not an aggregate, keep their types on SQLite
    cursor.execute(*query.select(
            ticket.id, ticket.code, ticket.lead_unit, deadline.due,
            deadline.met_at, ticket.delay_reason,
            where=condition,
            order_by=[deadline.due, ticket.code, ticket.id,
                deadline.id]))
    cases, seen = [], set()
    for id_, code, unit, due, met_at, reason in cursor:
        if id_ in seen:
            continue
        seen.add(id_)
        cases.append({
                'id': id_, 'code': code, 'unit': unit, 'due': due,
                'met_at': met_at if met_at and met_at < end else None,
                'delay_reason': reason,
                })
    return cases
