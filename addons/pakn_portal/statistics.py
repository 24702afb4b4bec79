# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The transparency statistics of the portal: counts of cases by month,
field, unit and channel; on-time rate overall, per field, per channel and
per unit, with the average handling time per unit; satisfaction per unit.
Only aggregates: nothing of a person.

The on-time rates are those of the deadline ledger, with its one formula
(pakn_helpdesk ledger.timeliness): of the cases to handle in the year
(received in it, or carried over from before and not yet ended), those late
still in progress at its end or ended late count as late, answered or
not."""
import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from sql.aggregate import Count

from trytond.pool import Pool
from trytond.transaction import Transaction

from trytond.modules.pakn_helpdesk import ledger
from trytond.modules.pakn_helpdesk.lifecycle import DELIVERED_STATES

from .portal import RATINGS

SATISFIED = {'very_satisfied', 'satisfied'}


def period_bounds(year, timezone):
    "The UTC bounds of the year in the province's timezone"
    zone = ZoneInfo(timezone)

    def utc(year):
        return dt.datetime(year, 1, 1, tzinfo=zone).astimezone(
            dt.timezone.utc).replace(tzinfo=None)
    return utc(year), utc(year + 1)


def timeliness_rows(figures, labels, received):
    """The on-time figures per value of a column (ledger.timeliness
    grouped by it) as dicts of label, received (in the period), to_handle,
    late and on_time_rate; labels and received: by value. None (not
    classified) comes last."""
    rows = []
    for key, (to_handle, late) in figures.items():
        rows.append({
                'key': key,
                'label': labels.get(key) if key is not None else None,
                'received': received.get(key, 0),
                'to_handle': to_handle,
                'late': late,
                'on_time_rate': ledger.rate(to_handle, late),
                })
    rows.sort(key=lambda r: (
            r['key'] is None, -r['received'], -r['to_handle'],
            r['label'] or ''))
    return rows


def compute(year):
    """Return the statistics of the cases received in the year (local
    time of the province) and of the timeliness of the cases handled in it,
    as a dict of lists of rows"""
    pool = Pool()
    Ticket = pool.get('pakn.ticket')
    Rating = pool.get('pakn.portal.rating')
    Unit = pool.get('pakn.unit')
    Field = pool.get('pakn.field')
    Channel = pool.get('pakn.channel')
    Configuration = pool.get('pakn.configuration')
    config = Configuration(1)
    zone = ZoneInfo(config.timezone)
    start, end = period_bounds(year, config.timezone)
    ticket = Ticket.__table__()
    rating = Rating.__table__()
    cursor = Transaction().connection.cursor()
    in_period = (ticket.received_at >= start) & (ticket.received_at < end)

    def names(Model, ids):
        ids = [i for i in ids if i is not None]
        return {r.id: r.name for r in Model.browse(ids)}

    def grouped(column, Model, on_time=False):
        """The (label, count) rows of the cases received by value of the
        column; with on_time, also the on-time rows of the values
        (timeliness_rows)"""
        cursor.execute(*ticket.select(column, Count(ticket.id),
                where=in_period, group_by=[column]))
        counts = dict(cursor)
        figures = ledger.timeliness(start, end, column.name) if on_time else {}
        labels = names(Model, set(counts) | set(figures))
        rows = [(labels.get(k) or '', v) for k, v in counts.items()
            if k is not None]
        rows.sort(key=lambda r: (-r[1], r[0]))
        if counts.get(None):
            rows.append((None, counts[None]))
        if not on_time:
            return rows
        return rows, timeliness_rows(figures, labels, counts)

    # By month, in the province's time
    months = Counter()
    handling = defaultdict(lambda: {
            'answered': 0, 'hours': 0.0, 'received': 0})
    cursor.execute(*ticket.select(
            ticket.received_at, ticket.answered_at, ticket.lead_unit,
            ticket.state,
            where=in_period))
    total = 0
    for received_at, answered_at, unit, state in cursor:
        total += 1
        local = received_at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        months[local.month] += 1
        if unit is None:
            continue
        row = handling[unit]
        row['received'] += 1
        if answered_at and state in DELIVERED_STATES:
            row['answered'] += 1
            row['hours'] += (
                answered_at - received_at).total_seconds() / 3600
    # Timeliness: of the cases to handle in the year, received in it or
    # carried over; per unit in charge (the cases not yet forwarded have
    # none: they are in the overall figure only)
    to_handle, late = ledger.timeliness(start, end).get(None, (0, 0))
    on_time = {
        'to_handle': to_handle,
        'late': late,
        'on_time_rate': ledger.rate(to_handle, late),
        }
    by_unit = ledger.timeliness(start, end, 'lead_unit')
    by_unit.pop(None, None)
    unit_names = names(Unit, set(handling) | set(by_unit))
    units = []
    for unit in set(handling) | set(by_unit):
        row = handling.get(unit) or {
            'answered': 0, 'hours': 0.0, 'received': 0}
        answered = row['answered']
        to_handle, late = by_unit.get(unit, (0, 0))
        units.append({
                'unit': unit_names.get(unit, ''),
                'received': row['received'],
                'answered': answered,
                'to_handle': to_handle,
                'late': late,
                'on_time_rate': ledger.rate(to_handle, late),
                'average_days': row['hours'] / answered / 24 if answered
                else None,
                })
    units.sort(key=lambda r: (-r['received'], -r['to_handle'], r['unit']))

    # Satisfaction per unit, of the ratings given in the year
    cursor.execute(*rating.select(
            rating.unit, rating.value, Count(rating.id),
            where=(rating.date >= start) & (rating.date < end),
            group_by=[rating.unit, rating.value]))
    ratings = defaultdict(Counter)
    for unit, value, count in cursor:
        ratings[unit][value] += count
    rating_names = names(Unit, ratings)
    satisfaction = []
    for unit, counter in ratings.items():
        count = sum(counter.values())
        satisfaction.append({
                'unit': rating_names.get(unit, ''),
                'count': count,
                'values': {v: counter.get(v, 0) for v, _ in RATINGS},
                'satisfied_rate': sum(
                    counter.get(v, 0) for v in SATISFIED) / count,
                })
    satisfaction.sort(key=lambda r: (-r['count'], r['unit']))

    fields, fields_on_time = grouped(ticket.field, Field, on_time=True)
    channels, channels_on_time = grouped(
        ticket.channel, Channel, on_time=True)
    return {
        'year': year,
        'total': total,
        'months': [(m, months.get(m, 0)) for m in range(1, 13)],
        'fields': fields,
        'units': grouped(ticket.lead_unit, Unit),
        'channels': channels,
        'on_time': on_time,
        'fields_on_time': fields_on_time,
        'channels_on_time': channels_on_time,
        'handling': units,
        'satisfaction': satisfaction,
        }
