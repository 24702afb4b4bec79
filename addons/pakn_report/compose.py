# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The periodic report of a period composed from the database: the
figures (report.py) by each grouping with their total, the groups named,
the late cases, the heading from the configuration and the month series,
as an output.Report to write as XLSX, CSV or PDF. To be called inside a
transaction."""
import datetime as dt

from trytond.modules.pakn_helpdesk.common import (
    fold,
    now,
    to_local,
    to_utc,
    zone,
)
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import report
from .output import Breakdown, Report

__all__ = ['make_report', 'period_text', 'TITLE', 'BREAKDOWNS', 'CROSS']

TITLE = 'Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến nghị'
SERIES_TITLE = 'Số phản ánh, kiến nghị tiếp nhận theo tháng'
# Per grouping: the model of its groups, the breakdown's title, the title
# of its label column and the label of the cases without group
BREAKDOWNS = {
    'unit': ('pakn.unit', 'Theo đơn vị', 'Đơn vị', 'Chưa giao đơn vị'),
    'field': ('pakn.field', 'Theo lĩnh vực', 'Lĩnh vực', 'Chưa phân loại'),
    'category': ('pakn.category', 'Theo loại', 'Loại', 'Chưa phân loại'),
    'channel': (
        'pakn.channel', 'Theo kênh tiếp nhận', 'Kênh tiếp nhận',
        'Chưa phân loại'),
    }
# The cross breakdowns: their groupings (report.GROUPS), title and label
CROSS = {
    'unit_field': (('unit', 'field'), 'Theo đơn vị và lĩnh vực',
        'Đơn vị / Lĩnh vực'),
    }
QUARTERS = ['I', 'II', 'III', 'IV']
DATE_FORMAT = '%d/%m/%Y'


def _days(start, end, timezone=None):
    "The local first and last days of [start, end) (naive UTC)"
    timezone = zone(timezone)
    first = to_local(start, timezone).date()
    last = to_local(end - dt.timedelta(microseconds=1), timezone).date()
    return first, last


def period_text(start, end, kind=None, timezone=None):
    """The label of the period [start, end) (naive UTC) of kind (one of
    report.PERIODS, None for any period: from the first to the last day)
    in the local time of timezone (the province's when None)"""
    first, last = _days(start, end, timezone)
    if kind == 'week':
        return 'Tuần từ %s đến %s' % (
            first.strftime(DATE_FORMAT), last.strftime(DATE_FORMAT))
    elif kind == 'month':
        return 'Tháng %d năm %d' % (first.month, first.year)
    elif kind == 'quarter':
        return 'Quý %s năm %d' % (
            QUARTERS[(first.month - 1) // 3], first.year)
    elif kind == 'half_year':
        return '6 tháng %s năm %d' % (
            'đầu' if first.month <= 6 else 'cuối', first.year)
    elif kind == 'year':
        return 'Năm %d' % first.year
    elif kind is None:
        return 'Từ %s đến %s' % (
            first.strftime(DATE_FORMAT), last.strftime(DATE_FORMAT))
    raise ValueError(kind)


def _names(group_by, keys):
    "The names of the groups of keys (ids, None for the cases without)"
    model, _, _, missing = BREAKDOWNS[group_by]
    Model = Pool().get(model)
    with Transaction().set_context(active_test=False):
        records = Model.browse([k for k in keys if k is not None])
        names = {r.id: r.rec_name for r in records}
    names[None] = missing
    return names


def _empty():
    return report._rates(dict.fromkeys(report.COUNTS, 0))


def _breakdown(group_by, start, end, units, total):
    """The breakdown by group_by (a key of BREAKDOWNS or CROSS): its
    groups by name, without group last"""
    if group_by in CROSS:
        return _cross(group_by, start, end, units, total)
    figures = report.figures(start, end, group_by, units)
    names = _names(group_by, figures)
    keys = sorted(figures, key=lambda k: (
            k is None, fold(names[k]), names[k]))
    _, title, label, _ = BREAKDOWNS[group_by]
    return Breakdown(
        title, label, [(names[k], figures[k]) for k in keys], total)


def _cross(name, start, end, units, total):
    """The cross breakdown of CROSS named name: a row per pair of groups
    with cases, labelled 'first / second', by the first then the second"""
    group_bys, title, label = CROSS[name]
    figures = report.figures(start, end, group_bys, units)
    names = [_names(g, {k[i] for k in figures})
        for i, g in enumerate(group_bys)]

    def order(key):
        return [(k is None, fold(n[k]), n[k]) for k, n in zip(key, names)]
    rows = [(' / '.join(n[k] for k, n in zip(key, names)), figures[key])
        for key in sorted(figures, key=order)]
    return Breakdown(title, label, rows, total)


def _late_cases(start, end, units):
    "The late cases as output.Report wants them, in local time"
    cases = report.late_cases(start, end, units)
    names = _names('unit', {c['unit'] for c in cases})
    return [{
            'code': c['code'],
            'unit': names[c['unit']],
            'due': to_local(c['due']),
            'met': to_local(c['met_at']),
            'reason': c['delay_reason'],
            } for c in cases]


def _months(start, end, timezone=None):
    """The months of [start, end) as (label, start, end) in naive UTC,
    clipped to the period"""
    timezone = zone(timezone)
    first, last = _days(start, end, timezone)
    year, month = first.year, first.month
    result = []
    while (year, month) <= (last.year, last.month):
        following = (year + month // 12, month % 12 + 1)
        bounds = [to_utc(dt.date(y, m, 1), timezone)
            for y, m in [(year, month), following]]
        result.append(('%02d/%d' % (month, year),
                max(bounds[0], start), min(bounds[1], end)))
        year, month = following
    return result


def _series(start, end, units):
    "The cases received by month: [(label, value)], empty for one month"
    months = _months(start, end)
    if len(months) < 2:
        return []
    counts = report.received([(f, n) for _, f, n in months], units)
    return [(label, count) for (label, _, _), count in zip(months, counts)]


def make_report(start, end, group_bys=('unit', 'field', 'channel'),
        units=None, title=None, period_label=None, kind=None):
    """The report of the period [start, end) (naive UTC, see
    report.period_bounds) as an output.Report: a breakdown by each
    grouping of group_bys (keys of report.GROUPS, or of CROSS for a cross
    breakdown such as 'unit_field') with the total, the late
    cases and, for a period over several months, the cases received by
    month; units: None for every unit or the ids of the units reported on
    (report.unit_tree); title: the report's title (TITLE when None);
    period_label: the label of the period, from kind (report.PERIODS or
    None for any period) when None"""
    pool = Pool()
    Configuration = pool.get('pakn.configuration')
    config = Configuration(1)
    if units is not None:
        units = sorted(units)
    if period_label is None:
        period_label = period_text(start, end, kind)
    total = report.figures(start, end, None, units).get(None) or _empty()
    breakdowns = [_breakdown(g, start, end, units, total)
        for g in group_bys]
    return Report(
        title=title or TITLE,
        period=period_label,
        agency=config.hotline_name or '',
        number='',
        place=config.province or '',
        date=to_local(now()).date(),
        profile=config.sla_profile.rec_name if config.sla_profile else '',
        breakdowns=breakdowns,
        late_cases=_late_cases(start, end, units),
        series=_series(start, end, units),
        series_title=SERIES_TITLE)
