# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The report composed from the database: the golden figures of November
2026 (test_report) found again in its XLSX, CSV and PDF."""
import csv
import datetime as dt
import io
import re
import unicodedata

import openpyxl
from pypdf import PdfReader

from trytond.modules.pakn_helpdesk.common import to_local
from trytond.modules.pakn_report import document, output
from trytond.modules.pakn_report.compose import make_report, period_text
from trytond.modules.pakn_report.report import (
    COUNTS,
    late_cases,
    period_bounds,
    unit_tree,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from .tools import (
    CONSTRUCTION,
    HEALTH,
    NOVEMBER,
    QUARTER_CONSTRUCTION,
    QUARTER_HEALTH,
    QUARTER_TOTAL,
    TOTAL,
    YEAR_CONSTRUCTION,
    YEAR_CONSTRUCTION_FIELD,
    YEAR_HEALTH,
    YEAR_TOTAL,
    ProvinceMixin,
    local,
)


def _line(text):
    "text with its white space made single spaces, NFC"
    return re.sub(r'\s+', ' ', unicodedata.normalize('NFC', text)).strip()


class ComposeTestCase(ProvinceMixin, ModuleTestCase):
    "Report composition"
    module = 'pakn_report'

    def november(self, **kwargs):
        with self.at(local(2026, 12, 2, 9, 0)):
            return make_report(*NOVEMBER, kind='month', **kwargs)

    def channel_name(self):
        pool = Pool()
        Channel = pool.get('pakn.channel')
        ModelData = pool.get('ir.model.data')
        return Channel(ModelData.get_id(
                'pakn_helpdesk', 'channel_web')).name

    def golden(self, rows=(CONSTRUCTION, HEALTH, TOTAL), by_field=None):
        """The expected breakdowns: [(title, group label, rows, total)] of
        the golden rows of construction, health and the total (and of the
        fields when given: [(name, golden row)], else every case without
        field)"""
        construction, health, total = rows
        units = [
            ("Sở Xây dựng", self.expected(construction)),
            ("Sở Y tế", self.expected(health)),
            ]
        total = self.expected(total)
        return [
            ("Theo đơn vị", "Đơn vị", units, total),
            ("Theo lĩnh vực", "Lĩnh vực", [
                    (n, self.expected(r)) for n, r in by_field]
                if by_field else [("Chưa phân loại", total)], total),
            ("Theo kênh tiếp nhận", "Kênh tiếp nhận",
                [(self.channel_name(), total)], total),
            ]

    @with_transaction()
    def test_november(self):
        "November: the golden figures, the heading, the late cases"
        self.setup_world()
        self.build()
        report = self.november()
        self.assertIsInstance(report, output.Report)
        self.assertEqual(
            report.title,
            'Báo cáo tình hình tiếp nhận, xử lý phản ánh, kiến nghị')
        self.assertEqual(report.period, 'Tháng 11 năm 2026')
        self.assertEqual(
            [(b.title, b.group_label, b.rows, b.total)
                for b in report.breakdowns], self.golden())
        config = Pool().get('pakn.configuration')(1)
        self.assertEqual(report.agency, config.hotline_name)
        self.assertEqual(report.place, config.province or '')
        self.assertEqual(report.number, '')
        self.assertEqual(report.date, dt.date(2026, 12, 2))
        self.assertEqual(report.profile, config.sla_profile.rec_name)
        self.assertTrue(report.profile)
        # one month: no series
        self.assertEqual(report.series, [])
        Ticket = Pool().get('pakn.ticket')
        self.assertEqual(report.late_cases, [{
                    'code': Ticket(r['id']).code,
                    'unit': Pool().get('pakn.unit')(r['unit']).name,
                    'due': to_local(r['due']),
                    'met': to_local(r['met_at']),
                    'reason': r['delay_reason'],
                    } for r in late_cases(*NOVEMBER)])
        cases = self.cases
        self.assertEqual(
            [(c['code'], c['unit'], c['met'], c['reason'])
                for c in report.late_cases], [
                (cases['open_late'].code, "Sở Xây dựng", None,
                    "Chờ ý kiến các sở"),
                (cases['carried_late'].code, "Sở Y tế",
                    to_local(local(2026, 11, 25, 9, 0)), None),
                (cases['late'].code, "Sở Xây dựng",
                    to_local(local(2026, 11, 27, 9, 0)), None),
                ])
        for case in report.late_cases:
            self.assertEqual(case['due'].utcoffset(), dt.timedelta(hours=7))
        self.assertEqual(
            report.late_cases[2]['due'].date(), dt.date(2026, 11, 12))

        self.check_xlsx(report)
        self.check_csv(report)
        self.check_pdf(report)

    def check_xlsx(self, report, golden=None):
        "The XLSX read back, cell by cell"
        workbook = openpyxl.load_workbook(
            io.BytesIO(output.to_xlsx(report)))
        for title, label, rows, total in golden or self.golden():
            sheet = workbook[title]
            values = [list(r) for r in sheet.iter_rows(values_only=True)]
            header = [r[0] for r in values].index(label)
            self.assertEqual(
                values[header][1:], list(output.COLUMNS.values()))
            lines = rows + [(output.TOTAL, total)]
            self.assertEqual(len(values), header + 1 + len(lines))
            for line, (name, figures) in zip(
                    values[header + 1:], lines):
                self.assertEqual(line[0], name)
                for key, value in zip(output.COLUMNS, line[1:]):
                    if key in output.RATES + output.DAYS:
                        self.assertAlmostEqual(value, figures[key])
                    else:
                        self.assertEqual(value, figures[key], key)
        late = workbook[output.sheet_name(output.LATE_TITLE)]
        codes = [r[1] for r in late.iter_rows(values_only=True)]
        for case in report.late_cases:
            self.assertIn(case['code'], codes)

    def check_csv(self, report, golden=None):
        "The CSV read again"
        data = output.to_csv(report)
        rows = list(csv.reader(io.StringIO(data.decode('utf-8-sig'))))
        self.assertEqual(rows[0][2:], list(output.COLUMNS.values()))
        expected = []
        for title, _, lines, total in golden or self.golden():
            for name, figures in lines + [(output.TOTAL, total)]:
                expected.append([title, name] + [
                        '%.4f' % figures[k] if k in output.RATES
                        else '%.2f' % figures[k] if k in output.DAYS
                        else str(figures[k]) for k in output.COLUMNS])
        self.assertEqual(rows[1:], expected)

    def check_pdf(self, report, golden=None, words=(
                'Tháng 11 năm 2026', "Chờ ý kiến các sở", '27/11/2026')):
        "The PDF's text has each row with its numbers"
        reader = PdfReader(io.BytesIO(output.to_pdf(report)))
        text = '\n'.join(
            p.extract_text(extraction_mode='layout') for p in reader.pages)
        lines = {_line(t) for t in text.splitlines()}
        _, _, units, total = (golden or self.golden())[0]
        for name, figures in units + [(output.TOTAL, total)]:
            for _, keys in output.PDF_TABLES:
                row = [name] + [
                    output.rate_text(figures[k]) if k in output.RATES
                    else output.days_text(figures[k]) if k in output.DAYS
                    else document.number(figures[k]) for k in keys]
                self.assertIn(_line(' '.join(row)), lines)
        squashed = re.sub(r'\s+', '', text)
        for title in ["Theo đơn vị", "Theo lĩnh vực", "Theo kênh tiếp nhận",
                output.LATE_TITLE, *words]:
            self.assertIn(re.sub(r'\s+', '', title), squashed)

    @with_transaction()
    def test_quarter_and_year(self):
        """The fourth quarter and the year 2026: the golden figures in the
        XLSX, CSV and PDF; the year's cross breakdown by unit and field"""
        self.setup_world()
        self.build_year()
        day = dt.date(2026, 11, 18)
        # the year by field: the March case and the others
        without_field = [a - b for a, b in zip(
                YEAR_TOTAL, YEAR_CONSTRUCTION_FIELD)]
        # the ten cases timed: 1 (six), 5, 8, 16, 19 days
        without_field[-1] = 16.
        for kind, rows, by_field, label, months in [
                ('quarter', (QUARTER_CONSTRUCTION, QUARTER_HEALTH,
                        QUARTER_TOTAL), None, 'Quý IV năm 2026', 3),
                ('year', (YEAR_CONSTRUCTION, YEAR_HEALTH, YEAR_TOTAL), [
                        ("Xây dựng", YEAR_CONSTRUCTION_FIELD),
                        ("Chưa phân loại", without_field)],
                    'Năm 2026', 12),
                ]:
            with self.at(local(2027, 1, 2, 9, 0)):
                report = make_report(*period_bounds(kind, day), kind=kind)
            golden = self.golden(rows, by_field)
            self.assertEqual(
                [(b.title, b.group_label, b.rows, b.total)
                    for b in report.breakdowns], golden, kind)
            self.assertEqual(report.period, label)
            self.assertEqual(len(report.series), months)
            self.assertEqual(
                [c['code'] for c in report.late_cases],
                [self.cases[k].code for k in [
                        'open_late', 'carried_late', 'late', 'due_soon',
                        'not_due', 'december']])
            self.check_xlsx(report, golden)
            self.check_csv(report, golden)
            self.check_pdf(report, golden, words=[
                    label, "Chờ ý kiến các sở", '03/12/2026'])
        report = make_report(
            *period_bounds('year', day), group_bys=('unit_field',))
        cross, = report.breakdowns
        self.assertEqual(cross.title, "Theo đơn vị và lĩnh vực")
        self.assertEqual(
            [name for name, _ in cross.rows], [
                "Sở Xây dựng / Xây dựng", "Sở Xây dựng / Chưa phân loại",
                "Sở Y tế / Chưa phân loại"])
        self.assertEqual(cross.rows[0][1], self.expected(
                YEAR_CONSTRUCTION_FIELD))
        self.assertEqual(cross.total, self.expected(YEAR_TOTAL))
        rows = list(csv.reader(io.StringIO(
                    output.to_csv(report).decode('utf-8-sig'))))
        self.assertEqual(rows[1][:3], [
                "Theo đơn vị và lĩnh vực", "Sở Xây dựng / Xây dựng", '1'])

    @with_transaction()
    def test_units_and_year(self):
        "A leader's units only; the year by month"
        self.setup_world()
        self.build()
        tree = unit_tree([self.construction.id])
        report = self.november(units=tree, group_bys=('unit', 'category'))
        by_unit, by_category = report.breakdowns
        self.assertEqual(by_unit.title, "Theo đơn vị")
        self.assertEqual(by_unit.rows, [
                ("Sở Xây dựng", self.expected(CONSTRUCTION))])
        self.assertEqual(by_unit.total, self.expected(CONSTRUCTION))
        self.assertEqual(by_category.title, "Theo loại")
        self.assertEqual(by_category.rows, [
                ("Chưa phân loại", self.expected(CONSTRUCTION))])
        self.assertEqual(
            {c['unit'] for c in report.late_cases}, {"Sở Xây dựng"})
        self.assertEqual(len(report.late_cases), 2)
        # units without any case: no row, a total of zeros
        empty = make_report(*NOVEMBER, units=[], group_bys=('unit',))
        self.assertEqual(empty.breakdowns[0].rows, [])
        self.assertEqual(empty.breakdowns[0].total, dict(
                dict.fromkeys(COUNTS, 0), late_rate=None,
                on_time_rate=None, handling_days=0., avg_days=None,
                p90_days=None))
        self.assertEqual(empty.late_cases, [])

        year = make_report(
            *period_bounds('year', dt.date(2026, 11, 18)), kind='year',
            title="Báo cáo năm")
        self.assertEqual(year.title, "Báo cáo năm")
        self.assertEqual(year.period, 'Năm 2026')
        series = dict(year.series)
        self.assertEqual(list(series), [
                '%02d/2026' % m for m in range(1, 13)])
        self.assertEqual(series['10/2026'], 4)
        self.assertEqual(series['11/2026'], TOTAL[0])
        self.assertEqual(series['12/2026'], 1)
        self.assertEqual(sum(series.values()), 14)
        self.assertEqual(year.series_title,
            'Số phản ánh, kiến nghị tiếp nhận theo tháng')
        # a given label
        self.assertEqual(make_report(
                *NOVEMBER, group_bys=(), period_label="Kỳ 11").period,
            "Kỳ 11")

    @with_transaction()
    def test_period_labels(self):
        "The label of each kind of period, in the province's time"
        for kind, day, label in [
                ('week', (2026, 11, 25), 'Tuần từ 23/11/2026 đến 29/11/2026'),
                ('month', (2026, 11, 25), 'Tháng 11 năm 2026'),
                ('month', (2026, 1, 1), 'Tháng 1 năm 2026'),
                ('quarter', (2026, 11, 25), 'Quý IV năm 2026'),
                ('quarter', (2026, 2, 1), 'Quý I năm 2026'),
                ('half_year', (2026, 3, 10), '6 tháng đầu năm 2026'),
                ('half_year', (2026, 11, 25), '6 tháng cuối năm 2026'),
                ('year', (2026, 11, 25), 'Năm 2026'),
                ]:
            bounds = period_bounds(kind, dt.date(*day))
            self.assertEqual(period_text(*bounds, kind), label)
        self.assertEqual(
            period_text(local(2026, 11, 1), local(2026, 11, 16)),
            'Từ 01/11/2026 đến 15/11/2026')
        self.assertEqual(
            period_text(*NOVEMBER), 'Từ 01/11/2026 đến 30/11/2026')
        with self.assertRaises(ValueError):
            period_text(*NOVEMBER, 'decade')


del ModuleTestCase
