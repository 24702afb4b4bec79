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
not.

The cases and ratings are read through their models, chosen by domains
(search_count, search_read, and `count_by`, which groups by fields of the
model the records a search of it chooses, in one SQL query)."""
import datetime as dt
from collections import defaultdict

from sql import Column
from sql.aggregate import Count

from trytond.modules.pakn_helpdesk import ledger
from trytond.modules.pakn_helpdesk.common import to_utc, zone
from trytond.modules.pakn_helpdesk.lifecycle import DELIVERED_STATES
from trytond.pool import Pool
from trytond.transaction import Transaction

from .rating import RATING_VALUES, SATISFIED


def period_bounds(year, timezone):
    "The UTC bounds of the year in the province's timezone"
    return month_start(year, 1, timezone), month_start(year + 1, 1, timezone)


def month_start(year, month, timezone):
    "The naive UTC instant the month begins in the timezone"
    return to_utc(dt.datetime(year, month, 1), zone(timezone))


def count_by(Model, domain, *names):
    """The number of the records of Model matching the domain by the values
    of the fields names (a Many2One gives the id, None when empty), as
    {value: count}, or {(value, ...): count} for several names: the
    records chosen by the model's search, counted in one SQL query"""
    table = Model.__table__()
    columns = [Column(table, Model._fields[name].name) for name in names]
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(*columns, Count(table.id),
            where=table.id.in_(Model.search(domain, order=[], query=True)),
            group_by=columns))
    if len(names) == 1:
        return dict(cursor)
    return {tuple(row[:-1]): row[-1] for row in cursor}


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
    timezone = zone(Configuration(1).timezone)
    start, end = period_bounds(year, timezone)
    in_period = [
        ('received_at', '>=', start),
        ('received_at', '<', end),
        ]

    def names(Model, ids):
        ids = [i for i in ids if i is not None]
        return {r.id: r.name for r in Model.browse(ids)}

    def grouped(name, Model, on_time=False):
        """The (label, count) rows of the cases received by value of the
        field; with on_time, also the on-time rows of the values
        (timeliness_rows)"""
        counts = count_by(Ticket, in_period, name)
        figures = ledger.timeliness(start, end, name) if on_time else {}
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
    bounds = [month_start(year, m, timezone) for m in range(1, 13)] + [end]
    months = [(m, Ticket.search_count([
                    ('received_at', '>=', bounds[m - 1]),
                    ('received_at', '<', bounds[m]),
                    ])) for m in range(1, 13)]
    # The handling time per unit in charge, of the cases answered
    received = count_by(Ticket, in_period, 'lead_unit')
    received.pop(None, None)
    handling = defaultdict(lambda: {'answered': 0, 'hours': 0.0})
    for case in Ticket.search_read(in_period + [
                ('lead_unit', '!=', None),
                ('state', 'in', DELIVERED_STATES),
                ('answered_at', '!=', None),
                ], order=[('id', 'ASC')],
            fields_names=['lead_unit', 'received_at', 'answered_at']):
        row = handling[case['lead_unit']]
        row['answered'] += 1
        row['hours'] += (
            case['answered_at'] - case['received_at']).total_seconds() / 3600
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
    unit_names = names(Unit, set(received) | set(by_unit))
    units = []
    for unit in set(received) | set(by_unit):
        row = handling.get(unit) or {'answered': 0, 'hours': 0.0}
        answered = row['answered']
        to_handle, late = by_unit.get(unit, (0, 0))
        units.append({
                'unit': unit_names.get(unit, ''),
                'received': received.get(unit, 0),
                'answered': answered,
                'to_handle': to_handle,
                'late': late,
                'on_time_rate': ledger.rate(to_handle, late),
                'average_days': row['hours'] / answered / 24 if answered
                else None,
                })
    units.sort(key=lambda r: (-r['received'], -r['to_handle'], r['unit']))

    # Satisfaction per unit, of the ratings given in the year
    ratings = defaultdict(dict)
    for (unit, value), count in count_by(Rating, [
                ('date', '>=', start),
                ('date', '<', end),
                ], 'unit', 'value').items():
        ratings[unit][value] = count
    rating_names = names(Unit, ratings)
    satisfaction = []
    for unit, counter in ratings.items():
        count = sum(counter.values())
        satisfaction.append({
                'unit': rating_names.get(unit, ''),
                'count': count,
                'values': {v: counter.get(v, 0) for v in RATING_VALUES},
                'satisfied_rate': sum(
                    counter.get(v, 0) for v in SATISFIED) / count,
                })
    satisfaction.sort(key=lambda r: (-r['count'], r['unit']))

    fields, fields_on_time = grouped('field', Field, on_time=True)
    channels, channels_on_time = grouped('channel', Channel, on_time=True)
    return {
        'year': year,
        'total': sum(count for _, count in months),
        'months': months,
        'fields': fields,
        'units': grouped('lead_unit', Unit),
        'channels': channels,
        'on_time': on_time,
        'fields_on_time': fields_on_time,
        'channels_on_time': channels_on_time,
        'handling': units,
        'satisfaction': satisfaction,
        }
