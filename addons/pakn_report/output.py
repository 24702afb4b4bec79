# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The periodic report (SPEC §6) written as XLSX, CSV or PDF.

Independent of Tryton: plain data in (a Report), bytes out. The figures
of a group are a dict as report.figures returns them: the counts of
report.COUNTS (int), late_rate, on_time_rate (a fraction between 0
and 1, or None without case to handle) and avg_days, p90_days (working
days, None without case done); a missing count is written 0.

- to_xlsx: one sheet per breakdown, then a sheet of the late cases and
  a sheet of the month series (when given); the title, period and
  profile in the first rows, the header row frozen with the label
  column, counts as integers ('#,##0'), rates as percents ('0.0%') and
  days with two decimals ('0.00'), a bold total row.
- to_csv: the breakdowns in one CSV (UTF-8 with BOM for Excel, comma
  separated, CRLF): a header row of 'Bảng', 'Nhóm' and the titles of
  COLUMNS, then a row per group and a total row per breakdown ('Tổng
  cộng'), the first column holding the breakdown's title; counts as
  plain integers, rates as decimal fractions with a dot and 4 digits
  ('0.2500'), days with a dot and 2 digits ('4.00'), empty when None.
  to_csv_late_cases writes the late cases the same way (dates as
  'dd/mm/yyyy HH:MM').
- to_pdf: A4 (document.build_pdf) with the administrative heading, the
  title and period, per breakdown two tables (PDF_TABLES: the cases
  received and ended, then the open ones, timeliness, extensions and
  ratings; A4 portrait is too narrow for one) whose header repeats
  on each page, the bar chart of the month series, the late cases
  table; page numbers 'n/N' at the bottom. Numbers as document.number
  writes them (1.234), rates as percents with one decimal ('25,0 %'),
  days with two decimals ('4,00').
"""
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import xlsxwriter
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from . import document

__all__ = [
    'COLUMNS', 'RATES', 'DAYS', 'PDF_TABLES', 'TOTAL', 'LATE_COLUMNS',
    'Breakdown', 'Report', 'to_xlsx', 'to_csv', 'to_csv_late_cases',
    'to_pdf', 'sheet_name', 'rate_text', 'days_text', 'date_text',
    ]

# The title of each figure, in the order of the columns; the keys are
# report.COUNTS then the rates (terms of the glossary where it has them)
COLUMNS = {
    'received': 'Tiếp nhận trong kỳ',
    'carried': 'Kỳ trước chuyển sang',
    'to_handle': 'Tổng số phải xử lý',
    'late': 'Trễ hạn',
    'open_not_due': 'Đang xử lý, chưa đến hạn',
    'open_due_soon': 'Đang xử lý, đến hạn trong 1 ngày',
    'open_late': 'Đang xử lý, trễ hạn',
    'done_on_time': 'Đã xử lý đúng hạn',
    'done_late': 'Đã xử lý trễ hạn',
    'rejected': 'Từ chối tiếp nhận',
    'duplicate': 'Trùng lắp',
    'returned': 'Chuyển trả do không đúng thẩm quyền',
    'extensions': 'Gia hạn',
    'ratings': 'Số lượt đánh giá',
    'satisfied': 'Hài lòng',
    'late_rate': 'Tỷ lệ trễ hạn',
    'on_time_rate': 'Tỷ lệ đúng hạn',
    'avg_days': 'Thời gian xử lý trung bình (ngày làm việc)',
    'p90_days': 'Thời gian xử lý, phân vị 90 (ngày làm việc)',
    }
RATES = ('late_rate', 'on_time_rate')
# The handling times in working days (None without case done)
DAYS = ('avg_days', 'p90_days')
# The PDF's two tables per breakdown: (subtitle, keys of COLUMNS)
PDF_TABLES = (
    ('Tình hình tiếp nhận, xử lý', (
            'received', 'carried', 'to_handle', 'done_on_time', 'done_late',
            'rejected', 'duplicate', 'returned', 'avg_days', 'p90_days')),
    ('Đang xử lý, tiến độ, gia hạn và đánh giá', (
            'open_not_due', 'open_due_soon', 'open_late', 'late',
            'late_rate', 'on_time_rate', 'extensions', 'ratings',
            'satisfied')),
    )
TOTAL = 'Tổng cộng'
# The late cases: key of the case dict and title
LATE_COLUMNS = (
    ('code', 'Mã phản ánh, kiến nghị'),
    ('unit', 'Đơn vị xử lý'),
    ('due', 'Hạn xử lý'),
    ('met', 'Thời điểm hoàn thành'),
    ('reason', 'Lý do trễ hạn'),
    )
LATE_TITLE = 'Danh sách phản ánh, kiến nghị trễ hạn'
NUMBER = 'STT'
BREAKDOWN = 'Bảng'
GROUP = 'Nhóm'
PROFILE = 'Hồ sơ báo cáo'
PERIOD = 'Kỳ báo cáo'
SERIES_SHEET = 'Theo tháng'
SERIES_VALUE = 'Số lượng'
DATE_FORMAT = '%d/%m/%Y'
DATETIME_FORMAT = '%d/%m/%Y %H:%M'


@dataclass
class Breakdown:
    """The figures of the report by one grouping.

    title: e.g. 'Theo đơn vị xử lý'; group_label: the title of the label
    column, e.g. 'Đơn vị'; rows: [(label, figures)]; total: the figures
    of the total (None for no total row)."""
    title: str
    group_label: str
    rows: list = field(default_factory=list)
    total: dict = None


@dataclass
class Report:
    """A report to write.

    title: e.g. 'Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến
    nghị'; period: its label, e.g. 'Tháng 11 năm 2026 (từ 01/11/2026 đến
    30/11/2026)'; profile: the name of the report profile (may be empty);
    agency, superior: the issuing agency and its superior (superior may
    be empty); number: the text after 'Số:' (e.g. '12/BC-STTTT'); place
    and date: the place and date line of the heading (a date);
    breakdowns: a list of Breakdown; late_cases: a list of dicts of code,
    unit (the unit's name), due, met (date, datetime, text or None; a
    datetime's tzinfo is dropped: give local times) and reason;
    series: [(label, value)] by month for the chart (may be empty),
    series_title: the chart's title."""
    title: str
    period: str
    agency: str
    number: str
    place: str
    date: dt.date
    profile: str = ''
    superior: str = ''
    breakdowns: list = field(default_factory=list)
    late_cases: list = field(default_factory=list)
    series: list = field(default_factory=list)
    series_title: str = ''


def rate_text(value):
    "A rate (fraction) as the PDF writes it: '25,0 %'; '' for None"
    if value is None:
        return ''
    return '%s %%' % document.number(value * 100, 1)


def date_text(value):
    "A date or datetime as text (dd/mm/yyyy [HH:MM]); text as is"
    if value is None:
        return ''
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def sheet_name(text, used=()):
    """A valid sheet name for text: without []:*?/\\, at most 31
    characters, not in used (case-insensitive; ' (2)' and so on added)"""
    base = re.sub(r'[\[\]:*?/\\]', ' ', text)
    base = re.sub(r'\s+', ' ', base).strip(" '") or 'Sheet'
    used = {u.lower() for u in used}
    name, n = base[:31], 1
    while name.lower() in used:
        n += 1
        suffix = ' (%d)' % n
        name = base[:31 - len(suffix)].rstrip() + suffix
    return name


def days_text(value):
    "Working days as the PDF writes them: '4,00'; '' for None"
    if value is None:
        return ''
    return document.number(value, 2)


def _value(figures, key):
    value = figures.get(key)
    if key in RATES or key in DAYS:
        return value
    return value or 0


def _lines(breakdown):
    """The rows of the breakdown then its total, as (label, figures,
    total)"""
    lines = [(label, figures, False) for label, figures in breakdown.rows]
    if breakdown.total is not None:
        lines.append((TOTAL, breakdown.total, True))
    return lines


# XLSX

def to_xlsx(report):
    "Return the report as an XLSX workbook (bytes)"
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {'in_memory': True, 'remove_timezone': True})
    formats = {
        'title': workbook.add_format({'bold': True, 'font_size': 13}),
        'text': workbook.add_format({}),
        'header': workbook.add_format({
                'bold': True, 'text_wrap': True, 'valign': 'vcenter',
                'align': 'center', 'border': 1, 'bg_color': '#E8E8E8'}),
        'label': workbook.add_format({'border': 1}),
        'integer': workbook.add_format({'num_format': '#,##0', 'border': 1}),
        'percent': workbook.add_format({'num_format': '0.0%', 'border': 1}),
        'days': workbook.add_format({'num_format': '0.00', 'border': 1}),
        'datetime': workbook.add_format({
                'num_format': 'dd/mm/yyyy hh:mm', 'border': 1}),
        'date': workbook.add_format({
                'num_format': 'dd/mm/yyyy', 'border': 1}),
        'total_label': workbook.add_format({'bold': True, 'border': 1}),
        'total_integer': workbook.add_format({
                'bold': True, 'num_format': '#,##0', 'border': 1}),
        'total_percent': workbook.add_format({
                'bold': True, 'num_format': '0.0%', 'border': 1}),
        'total_days': workbook.add_format({
                'bold': True, 'num_format': '0.00', 'border': 1}),
        }
    used = []
    for breakdown in report.breakdowns:
        _breakdown_sheet(workbook, formats, report, breakdown, used)
    _late_sheet(workbook, formats, report, used)
    if report.series:
        _series_sheet(workbook, formats, report, used)
    workbook.close()
    return output.getvalue()


def _add_sheet(workbook, formats, report, name, used, subtitle):
    "Add a sheet with the title lines; return it and its header row"
    name = sheet_name(name, used)
    used.append(name)
    sheet = workbook.add_worksheet(name)
    sheet.write_string(0, 0, report.title, formats['title'])
    sheet.write_string(1, 0, subtitle, formats['title'])
    sheet.write_string(2, 0, '%s: %s' % (PERIOD, report.period))
    row = 3
    if report.profile:
        sheet.write_string(row, 0, '%s: %s' % (PROFILE, report.profile))
        row += 1
    return sheet, row + 1


def _breakdown_sheet(workbook, formats, report, breakdown, used):
    sheet, header = _add_sheet(
        workbook, formats, report, breakdown.title, used, breakdown.title)
    sheet.set_row(header, 60)
    sheet.write_string(header, 0, breakdown.group_label, formats['header'])
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, len(COLUMNS), 13)
    for column, title in enumerate(COLUMNS.values(), 1):
        sheet.write_string(header, column, title, formats['header'])
    sheet.freeze_panes(header + 1, 1)
    row = header
    for row, (label, figures, total) in enumerate(
            _lines(breakdown), header + 1):
        prefix = 'total_' if total else ''
        sheet.write_string(row, 0, str(label), formats[prefix + 'label'])
        for column, key in enumerate(COLUMNS, 1):
            kind = ('percent' if key in RATES
                else 'days' if key in DAYS else 'integer')
            style = formats[prefix + kind]
            value = _value(figures, key)
            if value is None:
                sheet.write_blank(row, column, None, style)
            else:
                sheet.write_number(row, column, value, style)


def _late_sheet(workbook, formats, report, used):
    sheet, header = _add_sheet(
        workbook, formats, report, LATE_TITLE, used, LATE_TITLE)
    titles = [NUMBER] + [t for _, t in LATE_COLUMNS]
    for column, (title, width) in enumerate(
            zip(titles, (6, 20, 32, 17, 17, 48))):
        sheet.write_string(header, column, title, formats['header'])
        sheet.set_column(column, column, width)
    sheet.freeze_panes(header + 1, 0)
    for row, case in enumerate(report.late_cases, header + 1):
        sheet.write_number(row, 0, row - header, formats['integer'])
        for column, (key, _) in enumerate(LATE_COLUMNS, 1):
            value = case.get(key)
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, column, value, formats['datetime'])
            elif isinstance(value, dt.date):
                sheet.write_datetime(row, column, value, formats['date'])
            elif value is None:
                sheet.write_blank(row, column, None, formats['label'])
            else:
                sheet.write_string(row, column, str(value), formats['label'])


def _series_sheet(workbook, formats, report, used):
    title = report.series_title or SERIES_SHEET
    sheet, header = _add_sheet(
        workbook, formats, report, SERIES_SHEET, used, title)
    sheet.set_column(0, 1, 18)
    sheet.write_string(header, 0, SERIES_SHEET, formats['header'])
    sheet.write_string(header, 1, SERIES_VALUE, formats['header'])
    sheet.freeze_panes(header + 1, 0)
    for row, (label, value) in enumerate(report.series, header + 1):
        sheet.write_string(row, 0, str(label), formats['label'])
        sheet.write_number(row, 1, value, formats['integer'])


# CSV

def _csv_bytes(rows):
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\r\n')
    writer.writerows(rows)
    return output.getvalue().encode('utf-8-sig')


def _csv_value(figures, key):
    value = _value(figures, key)
    if key in RATES:
        return '' if value is None else '%.4f' % value
    if key in DAYS:
        return '' if value is None else '%.2f' % value
    return str(int(value))


def to_csv(report):
    "Return the breakdowns of the report as one CSV (bytes, see above)"
    rows = [[BREAKDOWN, GROUP, *COLUMNS.values()]]
    for breakdown in report.breakdowns:
        for label, figures, _ in _lines(breakdown):
            rows.append([breakdown.title, str(label)]
                + [_csv_value(figures, k) for k in COLUMNS])
    return _csv_bytes(rows)


def to_csv_late_cases(report):
    "Return the late cases of the report as a CSV (bytes, see above)"
    rows = [[NUMBER] + [t for _, t in LATE_COLUMNS]]
    for n, case in enumerate(report.late_cases, 1):
        rows.append([str(n)]
            + [date_text(case.get(k)) for k, _ in LATE_COLUMNS])
    return _csv_bytes(rows)


# PDF

PDF_SIZE = 7
LABEL_WIDTH = 34 * mm


def _narrow(table):
    "Narrow the paddings of table: numbers of 6 digits fit on one line"
    table.setStyle(TableStyle([
                ('LEFTPADDING', (0, 0), (-1, -1), 2),
                ('RIGHTPADDING', (0, 0), (-1, -1), 2),
                ]))
    return table


def _text_cell(text):
    return document.paragraph(
        text, alignment=TA_RIGHT, size=PDF_SIZE, spaceAfter=0)


def _pdf_cell(figures, key):
    value = _value(figures, key)
    if key in RATES:
        return _text_cell(rate_text(value))
    if key in DAYS:
        return _text_cell(days_text(value))
    return int(value)


def _pdf_breakdown(breakdown):
    flowables = [document.paragraph(breakdown.title, bold=True)]
    for subtitle, keys in PDF_TABLES:
        header = [breakdown.group_label] + [COLUMNS[k] for k in keys]
        rows = []
        for label, figures, _ in _lines(breakdown):
            rows.append([str(label)] + [_pdf_cell(figures, k) for k in keys])
        width = (document.FRAME[2] - LABEL_WIDTH) / len(keys)
        flowables.append(document.paragraph(subtitle, italic=True))
        flowables.append(_narrow(document.table(
                    header, rows, [LABEL_WIDTH] + [width] * len(keys),
                    size=PDF_SIZE)))
        flowables.append(document.paragraph(''))
    return flowables


def _pdf_late_cases(report):
    header = [NUMBER] + [t for _, t in LATE_COLUMNS]
    rows = [
        [n] + [date_text(case.get(k)) for k, _ in LATE_COLUMNS]
        for n, case in enumerate(report.late_cases, 1)]
    widths = [9 * mm, 26 * mm, 36 * mm, 24 * mm, 24 * mm]
    widths.append(document.FRAME[2] - sum(widths))
    return [
        document.paragraph(LATE_TITLE, bold=True),
        _narrow(document.table(header, rows, widths, size=PDF_SIZE + 1)),
        ]


def to_pdf(report):
    "Return the report as an A4 PDF (bytes)"
    flowables = []
    if report.profile:
        flowables.append(document.paragraph(
                '%s: %s' % (PROFILE, report.profile), italic=True))
    for breakdown in report.breakdowns:
        flowables += _pdf_breakdown(breakdown)
    if report.series:
        labels = [str(label) for label, _ in report.series]
        values = [value for _, value in report.series]
        flowables.append(document.bar_chart(
                labels, values, title=report.series_title or None))
        flowables.append(document.paragraph(''))
    if report.late_cases:
        flowables += _pdf_late_cases(report)
    return document.build_pdf(
        flowables=flowables,
        heading=document.heading(
            report.agency, report.number, report.place, report.date,
            superior=report.superior or None),
        title=document.title(report.title, report.period),
        page_numbers='bottom', metadata_title=report.title,
        author=report.agency)
