# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import csv
import datetime as dt
import io
import re
import unicodedata
import unittest

import openpyxl
from pypdf import PdfReader

from trytond.modules.pakn_report import document, output
from trytond.modules.pakn_report.output import (
    COLUMNS,
    DAYS,
    LATE_COLUMNS,
    RATES,
    TOTAL,
    Breakdown,
    Report,
)

COUNTS = [k for k in COLUMNS if k not in RATES and k not in DAYS]
NULLABLE = RATES + DAYS


def _figures(seed):
    "Figures with distinct known numbers (thousands for the separator)"
    figures = {k: seed * 100 + i for i, k in enumerate(COUNTS)}
    figures['to_handle'] = 1000 + seed
    figures['late'] = seed
    figures['late_rate'] = figures['late'] / figures['to_handle']
    figures['on_time_rate'] = 1 - figures['late_rate']
    figures['avg_days'] = seed + 0.25
    figures['p90_days'] = seed * 2 + 0.5
    return figures


def _total(rows):
    total = {k: sum(f[k] for _, f in rows) for k in COUNTS}
    total['late_rate'] = total['late'] / total['to_handle']
    total['on_time_rate'] = 1 - total['late_rate']
    total['avg_days'] = 3.14
    total['p90_days'] = None
    return total


UNITS = [
    ('Phòng Quản lý đô thị số %d' % i, _figures(i)) for i in range(1, 46)]
# a group without case to handle: rates and days None, counts missing
UNITS.append(('Ủy ban nhân dân phường Hồng Hà', {
            'to_handle': 0, 'late_rate': None, 'on_time_rate': None,
            'avg_days': None, 'p90_days': None}))
FIELDS = [
    ('Đất đai', _figures(60)),
    ('Giao thông, đô thị', _figures(61)),
    ('Y tế: bệnh viện [tuyến tỉnh]', _figures(62)),
    ]
LATE = [
    {'code': 'PA-2026-%04d' % i, 'unit': 'Phòng Tài nguyên và Môi trường',
        'due': dt.datetime(2026, 11, i, 17, 30),
        'met': dt.datetime(2026, 11, i + 1, 9, 5) if i % 2 else None,
        'reason': 'Cần xác minh thực địa lần %d' % i}
    for i in range(1, 6)]
SERIES = [('Tháng %d' % m, m * 7) for m in range(1, 12)]
SERIES_TITLE = 'Số phản ánh, kiến nghị tiếp nhận theo tháng'
UNIT_TITLE = 'Theo đơn vị xử lý'
# longer than 31 characters, with forbidden characters
FIELD_TITLE = 'Theo lĩnh vực: đất đai/giao thông? và các lĩnh vực khác'


def _report():
    return Report(
        title='Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến nghị',
        period='Tháng 11 năm 2026 (từ 01/11/2026 đến 30/11/2026)',
        profile='Báo cáo tháng gửi Ủy ban nhân dân tỉnh',
        agency='Sở Thông tin và Truyền thông',
        superior='Ủy ban nhân dân tỉnh Lam Giang',
        number='12/BC-STTTT', place='Lam Giang',
        date=dt.date(2026, 12, 2),
        breakdowns=[
            Breakdown(UNIT_TITLE, 'Đơn vị', UNITS, _total(UNITS[:-1])),
            Breakdown(FIELD_TITLE, 'Lĩnh vực', FIELDS, _total(FIELDS)),
            ],
        late_cases=LATE, series=SERIES, series_title=SERIES_TITLE)


def _squash(text):
    return re.sub(r'\s+', '', unicodedata.normalize('NFC', text))


class OutputTestCase(unittest.TestCase):
    "Test the XLSX, CSV and PDF of a report"

    @classmethod
    def setUpClass(cls):
        cls.report = _report()
        try:
            document.register_fonts()
        except document.MissingFontError as exception:
            raise unittest.SkipTest(str(exception))

    def test_columns(self):
        "A title for each count of report.COUNTS and the rates"
        try:
            from trytond.modules.pakn_report import report
        except ImportError as exception:  # pragma: no cover
            self.skipTest(str(exception))
        # every count but the number of timed cases (those done)
        self.assertEqual(list(COLUMNS), [
                k for k in report.COUNTS if k != 'timed']
            + ['late_rate', 'on_time_rate', 'avg_days', 'p90_days'])
        self.assertEqual(len(set(COLUMNS.values())), len(COLUMNS))
        keys = [k for _, ks in output.PDF_TABLES for k in ks]
        self.assertEqual(sorted(keys), sorted(COLUMNS))

    def test_sheet_name(self):
        "Sheet names are valid and unique"
        self.assertEqual(output.sheet_name('a/b[c]:d*e?f\\g'), 'a b c d e f g')
        name = output.sheet_name(FIELD_TITLE)
        self.assertEqual(len(name), 31)
        self.assertEqual(
            output.sheet_name('Theo đơn vị', ['theo ĐƠN VỊ']),
            'Theo đơn vị (2)')
        long = output.sheet_name(FIELD_TITLE, [name])
        self.assertLessEqual(len(long), 31)
        self.assertNotEqual(long.lower(), name.lower())
        self.assertTrue(long.endswith(' (2)'))

    def _check_sheet(self, sheet, breakdown, header):
        self.assertEqual(sheet['A1'].value, self.report.title)
        self.assertEqual(sheet['A2'].value, breakdown.title)
        self.assertEqual(
            sheet['A3'].value, 'Kỳ báo cáo: ' + self.report.period)
        self.assertEqual(
            sheet['A4'].value, 'Hồ sơ báo cáo: ' + self.report.profile)
        self.assertEqual(
            [c.value for c in sheet[header]],
            [breakdown.group_label, *COLUMNS.values()])
        self.assertEqual(sheet.freeze_panes, 'B%d' % (header + 1))
        lines = breakdown.rows + [(TOTAL, breakdown.total)]
        for row, (label, figures) in enumerate(lines, header + 1):
            cells = sheet[row]
            self.assertEqual(cells[0].value, label)
            for cell, key in zip(cells[1:], COLUMNS):
                value = figures.get(key, None if key in NULLABLE else 0)
                if key in NULLABLE:
                    self.assertEqual(cell.number_format,
                        '0.0%' if key in RATES else '0.00')
                    if value is None:
                        self.assertIsNone(cell.value)
                    else:
                        self.assertAlmostEqual(cell.value, value)
                else:
                    self.assertEqual(cell.number_format, '#,##0')
                    self.assertEqual(cell.value, value)
        self.assertTrue(sheet.cell(row, 1).font.b)
        self.assertEqual(sheet.max_row, row)

    def test_xlsx(self):
        "The XLSX gives back every figure, formatted"
        workbook = openpyxl.load_workbook(
            io.BytesIO(output.to_xlsx(self.report)))
        self.assertEqual(workbook.sheetnames, [
                UNIT_TITLE, 'Theo lĩnh vực đất đai giao thôn',
                'Danh sách phản ánh, kiến nghị t', 'Theo tháng'])
        for name, breakdown in zip(
                workbook.sheetnames, self.report.breakdowns):
            self._check_sheet(workbook[name], breakdown, 6)

        sheet = workbook[workbook.sheetnames[2]]
        self.assertEqual(sheet.freeze_panes, 'A7')
        self.assertEqual(
            [c.value for c in sheet[6]],
            ['STT'] + [t for _, t in LATE_COLUMNS])
        for row, case in enumerate(LATE, 7):
            values = [c.value for c in sheet[row]]
            self.assertEqual(values[0], row - 6)
            self.assertEqual(
                values[1:], [case[k] for k, _ in LATE_COLUMNS])
            self.assertEqual(sheet.cell(row, 4).number_format,
                'dd/mm/yyyy hh:mm')

        sheet = workbook['Theo tháng']
        self.assertEqual(sheet['A2'].value, SERIES_TITLE)
        self.assertEqual(
            [(a.value, b.value) for a, b in sheet.iter_rows(min_row=7)],
            SERIES)

    def test_xlsx_aware(self):
        "Aware datetimes are written as their local time"
        zone = dt.timezone(dt.timedelta(hours=7))
        report = _report()
        report.late_cases = [{
                'code': 'PA-1', 'unit': 'Phòng A',
                'due': dt.datetime(2026, 11, 3, 8, tzinfo=zone),
                'met': dt.date(2026, 11, 4), 'reason': None}]
        report.series = []
        workbook = openpyxl.load_workbook(io.BytesIO(output.to_xlsx(report)))
        self.assertEqual(len(workbook.sheetnames), 3)
        sheet = workbook[workbook.sheetnames[2]]
        self.assertEqual(
            [c.value for c in sheet[7]],
            [1, 'PA-1', 'Phòng A', dt.datetime(2026, 11, 3, 8),
                dt.datetime(2026, 11, 4), None])
        self.assertEqual(sheet['E7'].number_format, 'dd/mm/yyyy')

    def test_csv(self):
        "The CSV has a BOM and gives back every figure"
        data = output.to_csv(self.report)
        self.assertTrue(data.startswith(b'\xef\xbb\xbf'))
        self.assertFalse(data.startswith(b'\xef\xbb\xbf\xef\xbb\xbf'))
        rows = list(csv.reader(io.StringIO(data[3:].decode('utf-8'))))
        self.assertEqual(rows[0], ['Bảng', 'Nhóm', *COLUMNS.values()])
        expected = []
        for breakdown in self.report.breakdowns:
            for label, figures in (
                    breakdown.rows + [(TOTAL, breakdown.total)]):
                line = [breakdown.title, label]
                for key in COLUMNS:
                    value = figures.get(key, None if key in NULLABLE else 0)
                    if key in RATES:
                        line.append(
                            '' if value is None else '%.4f' % value)
                    elif key in DAYS:
                        line.append(
                            '' if value is None else '%.2f' % value)
                    else:
                        line.append(str(value))
                expected.append(line)
        self.assertEqual(rows[1:], expected)
        self.assertEqual(len(rows), 1 + 47 + 4)
        # re-read as numbers
        self.assertEqual(float(rows[1][-4]), round(
                UNITS[0][1]['late_rate'], 4))
        self.assertEqual(rows[46][-1], '')

    def test_csv_late_cases(self):
        "The late cases as CSV"
        data = output.to_csv_late_cases(self.report)
        self.assertTrue(data.startswith(b'\xef\xbb\xbf'))
        rows = list(csv.reader(io.StringIO(data[3:].decode('utf-8'))))
        self.assertEqual(rows[0], ['STT'] + [t for _, t in LATE_COLUMNS])
        self.assertEqual(rows[1], [
                '1', 'PA-2026-0001', 'Phòng Tài nguyên và Môi trường',
                '01/11/2026 17:30', '02/11/2026 09:05',
                'Cần xác minh thực địa lần 1'])
        self.assertEqual(rows[2][4], '')
        self.assertEqual(len(rows), 6)

    def test_pdf(self):
        "The PDF gives back every label and number, the header repeated"
        data = output.to_pdf(self.report)
        self.assertTrue(data.startswith(b'%PDF'))
        reader = PdfReader(io.BytesIO(data))
        pages = [_squash(p.extract_text()) for p in reader.pages]
        self.assertGreater(len(pages), 2)
        text = ''.join(pages)
        for page, content in enumerate(pages, 1):
            self.assertIn(_squash('%d/%d' % (page, len(pages))), content)
        expected = [
            'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Số: 12/BC-STTTT',
            'Lam Giang, ngày 02 tháng 12 năm 2026',
            self.report.title.upper(), self.report.period,
            self.report.profile, self.report.agency.upper(),
            self.report.superior.upper(), SERIES_TITLE,
            output.LATE_TITLE, TOTAL,
            *COLUMNS.values(), *(t for _, t in LATE_COLUMNS)]
        for breakdown in self.report.breakdowns:
            expected += [breakdown.title, breakdown.group_label]
            for label, figures in (
                    breakdown.rows + [(TOTAL, breakdown.total)]):
                expected.append(label)
                for key in COLUMNS:
                    value = figures.get(key, None if key in NULLABLE else 0)
                    if key in RATES:
                        expected.append(output.rate_text(value))
                    elif key in DAYS:
                        expected.append(output.days_text(value))
                    else:
                        expected.append(document.number(value))
        for case in LATE:
            expected += [
                case['code'], case['unit'], case['reason'],
                output.date_text(case['due']), output.date_text(case['met'])]
        for label, _ in SERIES:
            expected.append(label)
        for item in expected:
            self.assertIn(_squash(item), text)
        # numbers with the Vietnamese thousands separator
        self.assertIn('1.001', text)
        self.assertEqual(output.rate_text(0.25), '25,0 %')
        self.assertEqual(output.rate_text(None), '')
        self.assertEqual(output.days_text(4), '4,00')
        self.assertEqual(output.days_text(1234.5), '1.234,50')
        self.assertEqual(output.days_text(None), '')
        # the header of the units' table is repeated on page 2
        header = _squash(''.join(
                [self.report.breakdowns[0].group_label]
                + [COLUMNS[k] for k in output.PDF_TABLES[0][1]]))
        self.assertIn(header, pages[0])
        self.assertIn(header, pages[1])
        self.assertIn(_squash(UNITS[-1][0]), text)
