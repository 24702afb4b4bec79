# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The report record and the wizard "Báo cáo": the file produced, who may
produce and read the reports of which units."""
import datetime as dt
import io

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.tests.vietnamese import (
    load_vietnamese,
    missing_translations,
)
from trytond.modules.pakn_report.exceptions import (
    ReportAccessError,
    ReportValidationError,
)
from trytond.modules.pakn_report.output import COLUMNS, TOTAL
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

from .tools import NOVEMBER, ProvinceMixin, local

NOVEMBER_DAY = dt.date(2026, 11, 18)


def first_totals(data):
    """The total row of the first sheet of the XLSX data as {column title:
    value}, and the labels of its groups"""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = [r[1] for r in rows].index(COLUMNS['received'])
    total_at = [r[0] for r in rows].index(TOTAL)
    labels = [r[0] for r in rows[header_at + 1:total_at]]
    return dict(zip(rows[header_at], rows[total_at])), labels


class ReportingTestCase(ProvinceMixin, ModuleTestCase):
    "Report record and wizard"
    module = 'pakn_report'

    def setup_cases(self):
        "Three cases of November: construction, its commune and health"
        pool = Pool()
        User = pool.get('res.user')
        Unit = pool.get('pakn.unit')
        ModelData = pool.get('ir.model.data')
        self.setup_world()
        for instant, unit in [
                (local(2026, 11, 5, 9, 0), self.construction),
                (local(2026, 11, 6, 9, 0), self.commune),
                (local(2026, 11, 9, 9, 0), self.health),
                ]:
            self.new_ticket(instant, unit)

        def group(name):
            return ModelData.get_id('pakn_helpdesk', 'group_' + name)
        self.office, self.leader, self.specialist = User.create([{
                    'login': login, 'name': login,
                    'groups': [('add', [group(role)])],
                    } for login, role in [
                    ('office', 'office'),
                    ('sxd_leader', 'leader'),
                    ('sxd_specialist', 'specialist'),
                    ]])
        Unit.write([self.construction], {
                'leaders': [('add', [self.leader.id])],
                'focal_points': [('add', [self.specialist.id])],
                })

    def as_user(self, user):
        return Transaction().set_user(user.id)

    def run_wizard(self, **values):
        "Run the wizard as the current user; return the report produced"
        pool = Pool()
        Wizard = pool.get('pakn.report.create', type='wizard')
        Report = pool.get('pakn.report')
        values = {
            'kind': 'month', 'date': NOVEMBER_DAY, 'unit': None,
            'include_subunits': True,
            'breakdowns': ['unit', 'field', 'channel'], 'format': 'xlsx',
            **values}
        with check_access():
            session_id, _, _ = Wizard.create()
            result = Wizard.execute(session_id, {'start': values}, 'open_')
            Wizard.delete(session_id)
        (action, data), = result['actions']
        self.assertEqual(action['res_model'], 'pakn.report')
        report_id, = data['res_id']
        return Report(report_id)

    @with_transaction()
    def test_office_province(self):
        "The office produces the XLSX report of the province"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_cases()
        with self.as_user(self.office):
            report = self.run_wizard()
            self.assertEqual((report.start, report.end), NOVEMBER)
            self.assertEqual(report.created_by, self.office)
            self.assertEqual(report.file_name, 'bao-cao-thang-11-2026.xlsx')
            totals, labels = first_totals(report.file)
        self.assertEqual(totals['Đơn vị'], TOTAL)
        self.assertEqual(totals['Tiếp nhận trong kỳ'], 3)
        self.assertEqual(totals['Tổng số phải xử lý'], 3)
        self.assertEqual(
            set(labels), {u.rec_name for u in [
                    self.construction, self.commune, self.health]})
        # the same numbers again, in a new file
        with self.as_user(self.office), check_access():
            Report.produce_again([report])
            self.assertEqual(len(report.attachments()), 2)
            self.assertEqual(first_totals(Report(report.id).file),
                (totals, labels))

    @with_transaction()
    def test_formats(self):
        "A report in PDF and CSV, of a unit without its sub-units"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_cases()
        with self.as_user(self.office):
            pdf = self.run_wizard(
                format='pdf', kind='custom', date=None,
                from_date=dt.date(2026, 11, 1),
                to_date=dt.date(2026, 11, 30))
            self.assertEqual((pdf.start, pdf.end), NOVEMBER)
            self.assertTrue(pdf.file.startswith(b'%PDF'))
            self.assertEqual(
                pdf.file_name, 'bao-cao-tu-01-11-2026-den-30-11-2026.pdf')
            csv = self.run_wizard(
                format='csv', kind='quarter',
                unit=self.construction.id, include_subunits=False)
            self.assertEqual(csv.file_name, 'bao-cao-quy-4-2026-sxd.csv')
            text = csv.file.decode('utf-8-sig')
            self.assertIn(self.construction.rec_name, text)
            self.assertNotIn(self.commune.rec_name, text)
            with check_access():
                self.assertEqual(len(Report.search([])), 2)
            # a forged period: too long, too far, upside down; nothing
            # recorded
            for values in [
                    dict(kind='custom', from_date=dt.date(1990, 1, 1),
                        to_date=dt.date(2026, 12, 31)),
                    dict(kind='custom', from_date=dt.date(2026, 1, 1),
                        to_date=dt.date(9999, 12, 31)),
                    dict(kind='year', date=dt.date(9999, 6, 1)),
                    dict(kind='custom', from_date=dt.date(2026, 11, 30),
                        to_date=dt.date(2026, 11, 1)),
                    ]:
                with self.assertRaises(ReportValidationError) as cm:
                    self.run_wizard(format='csv', **values)
                if values.get('to_date', dt.date.max).year != 2026:
                    self.assertIn('5', cm.exception.message)
            with check_access():
                self.assertEqual(len(Report.search([])), 2)
            # five years are allowed
            five = self.run_wizard(
                format='csv', kind='custom', date=None,
                from_date=dt.date(2022, 1, 1), to_date=dt.date(2026, 12, 31))
            self.assertTrue(five.file)

    @with_transaction()
    def test_leader(self):
        "A leader reports on their unit and sub-units only"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_cases()
        with self.as_user(self.office):
            province = self.run_wizard()
        with self.as_user(self.leader):
            report = self.run_wizard(unit=self.construction.id)
            totals, labels = first_totals(report.file)
            self.assertEqual(totals['Tiếp nhận trong kỳ'], 2)
            self.assertEqual(set(labels), {
                    self.construction.rec_name, self.commune.rec_name})
            for unit in [self.health.id, None]:
                with self.assertRaises(ReportAccessError):
                    self.run_wizard(unit=unit)
            # in the language of the leader
            load_vietnamese()
            with Transaction().set_context(language='vi'):
                with self.assertRaisesRegex(
                        ReportAccessError, 'Bạn chỉ được lập báo cáo'
                        '.*"%s"' % self.health.rec_name):
                    self.run_wizard(unit=self.health.id)
                with self.assertRaisesRegex(
                        ReportAccessError, 'báo cáo toàn tỉnh'):
                    self.run_wizard(unit=None)
            with check_access():
                self.assertEqual(Report.search([]), [report])
                with self.assertRaises(AccessError):
                    Report.read([province.id], ['unit'])
                with self.assertRaises(AccessError):
                    Report.produce_again([province])

    @with_transaction()
    def test_leader_focal_point_elsewhere(self):
        "A leader who is a focal point of another unit reads none of its"
        pool = Pool()
        Report = pool.get('pakn.report')
        Unit = pool.get('pakn.unit')
        Attachment = pool.get('ir.attachment')
        self.setup_cases()
        Unit.write([self.health], {
                'focal_points': [('add', [self.leader.id])]})
        with self.as_user(self.office):
            health = self.run_wizard(unit=self.health.id)
        files = Attachment.search([('resource', '=', str(health))])
        self.assertTrue(files)
        with self.as_user(self.leader):
            own = self.run_wizard(unit=self.construction.id)
            with check_access():
                self.assertEqual(Report.search([]), [own])
                with self.assertRaises(AccessError):
                    Report.read([health.id], ['unit'])
                with self.assertRaises(AccessError):
                    Attachment.read([f.id for f in files], ['data'])

    @with_transaction()
    def test_specialist(self):
        "A specialist neither reads the reports nor runs the wizard"
        pool = Pool()
        Report = pool.get('pakn.report')
        Wizard = pool.get('pakn.report.create', type='wizard')
        self.setup_cases()
        with self.as_user(self.office):
            report = self.run_wizard()
        with self.as_user(self.specialist), check_access():
            with self.assertRaises(AccessError):
                Report.search([])
            with self.assertRaises(AccessError):
                Report.read([report.id], ['unit'])
            with self.assertRaises(AccessError):
                Wizard.create()

    @with_transaction()
    def test_readonly(self):
        "Clients change nothing of a report"
        pool = Pool()
        Report = pool.get('pakn.report')
        self.setup_cases()
        with self.as_user(self.office):
            report = self.run_wizard()
        for values in [
                {'unit': self.health.id}, {'format': 'csv'},
                {'start': NOVEMBER[0] - dt.timedelta(days=1)},
                {'created_by': self.leader.id}, {'scheduled': True}]:
            with self.assertRaises(AccessError):
                Report.check_client_write([report], values)
            with self.assertRaises(AccessError):
                Report.check_client_create([values])
        # every field, whatever the value: the record is the wizard's
        own = {'create_uid', 'create_date', 'write_uid', 'write_date',
            'id', 'rec_name'}
        for name in sorted(set(Report._fields) - own):
            with self.subTest(field=name), self.assertRaises(AccessError):
                Report.check_client_write([report], {name: None})
        # and no group may write, create or delete reports at all
        for user in [self.office, self.leader, self.specialist]:
            with self.as_user(user), check_access():
                with self.assertRaises(AccessError):
                    Report.write([report], {'format': 'csv'})
                with self.assertRaises(AccessError):
                    Report.delete([report])

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a Vietnamese translation"
        self.assertEqual(missing_translations('pakn_report'), [])


del ModuleTestCase
