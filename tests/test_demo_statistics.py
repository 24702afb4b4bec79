# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The on-time figures of the portal's statistics tell the truth on the
demo database: counted by hand from the cases' ledger rows, they are what
the statistics (and the /thong-ke page) show, below 100 %, with the cases
answered late counted late.

The database is built as `make demo` builds it (data/demo.py: its
organisation, its 40 cases driven as the staff would, then their deadline
history shaped and the portal's feedback), on the backend of the run
(SQLite file or PostgreSQL), under a name of its own, dropped at the end.
data/demo.py creates SQLite files only: the database is created here by
trytond_server.py, then filled by this file run as a script:

    test_demo_statistics.py DATABASE"""
import contextlib
import datetime as dt
import html
import io
import json
import os
import re
import sys
import unittest
import uuid
from collections import defaultdict
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Pool.stop before flask-tryton replaced it
_frozen = []
# The ending events of a case (pakn_helpdesk lifecycle): after the first
# of them, the case is no longer to handle
ENDING = {'answered_directly', 'published', 'sent_privately', 'rejected',
    'duplicate', 'closed'}


def fill(database):
    """Fill the database as data/demo.py main does once it is created
    (recreate_database); print its name as JSON"""
    sys.path.insert(0, os.path.join(ROOT, 'data'))
    import demo
    from proteus import config as pconfig

    # the demo's SMS gateway writes into the test's folder, not var/log
    demo.SMS_LOG = os.path.join(
        os.environ['TRYTOND_DATABASE__PATH'], 'sms.log')
    with contextlib.redirect_stdout(sys.stderr):
        config = pconfig.set_trytond(database)
        vi = demo.setup_vietnamese()
        units, users = demo.setup_organisation(vi)
        demo.drive_cases(config, units, users)
        demo.shape_deadlines(database)
        demo.portal_feedback(database)
        menu, reports = demo.produce_reports(config, users, os.path.join(
                os.environ['TRYTOND_DATABASE__PATH'], 'reports'))
    print(json.dumps({'database': database, 'cases': len(demo.CASES),
                'report_menu': menu, 'reports': reports}))


class DemoStatisticsTestCase(unittest.TestCase):
    "The portal's on-time figures of the demo, counted by hand"

    @classmethod
    def setUpClass(cls):
        from trytond import config
        from trytond.pool import Pool

        from .trytond_server import TrytonServer

        # never alone on the server: a name of its own, dropped at the end
        # (the cleanups run even if the set-up fails half-way)
        cls.database = 'test_demo_stats_%s' % uuid.uuid4().hex[:12]
        cls.server = TrytonServer(cls.database, os.path.abspath(__file__),
            modules=('pakn_helpdesk', 'pakn_sms', 'pakn_portal',
                'pakn_report'))
        cls.addClassCleanup(cls.server.stop)
        cls.server.start(serve=False)
        path = config.get('database', 'path')
        config.set('database', 'path', cls.server.tmp)
        if path is not None:
            cls.addClassCleanup(config.set, 'database', 'path', path)
        _frozen.append(Pool.__dict__['stop'])
        cls.addClassCleanup(cls.unfreeze)
        from trytond.modules.pakn_portal.site import create_app
        cls.app = create_app({
                'TRYTON_DATABASE': cls.database,
                'SECRET_KEY': 'demo-statistics-test-secret',
                'PORTAL_STATISTICS_CACHE': 0,
                }, instance_path=cls.server.tmp)

    @classmethod
    def unfreeze(cls):
        "flask-tryton freezes the pool of the process; unfreeze it"
        from trytond.pool import Pool
        Pool.stop = _frozen.pop()
        Pool.stop(cls.database)

    def transaction(self):
        from trytond.transaction import Transaction
        return Transaction().start(
            self.database, 0, readonly=True, context={'language': 'vi'})

    def by_hand(self, year):
        """The cases to handle and the late ones of the year, overall and
        by unit, field and channel (names), from the ledger rows: a case is
        to handle if received before the end of the year and received in
        it or not ended when it began (its first ending event); late if a
        final row of it is late with a due before the end of the year.
        Return the counts and the ids of the late cases."""
        from trytond.modules.pakn_portal.statistics import period_bounds
        from trytond.pool import Pool
        pool = Pool(self.database)
        Ticket = pool.get('pakn.ticket')
        Configuration = pool.get('pakn.configuration')
        start, end = period_bounds(year, Configuration(1).timezone)
        counts = {'overall': defaultdict(lambda: [0, 0])}
        for key in ['unit', 'field', 'channel']:
            counts[key] = defaultdict(lambda: [0, 0])
        late_cases = set()
        for ticket in Ticket.search([]):
            endings = [e.date for e in ticket.events if e.type in ENDING]
            ended_at = min(endings) if endings else None
            if ticket.received_at >= end or not (
                    ticket.received_at >= start or ended_at is None
                    or ended_at >= start):
                continue
            dues = [d.due for d in ticket.deadlines if d.final and d.late]
            late = bool(dues) and min(dues) < end
            if late:
                late_cases.add(ticket.id)
            for key, group in [
                    ('overall', None),
                    ('unit', ticket.lead_unit),
                    ('field', ticket.field),
                    ('channel', ticket.channel),
                    ]:
                if key == 'unit' and group is None:
                    continue  # not forwarded: in the overall figure only
                row = counts[key][group.name if group else None]
                row[0] += 1
                row[1] += int(late)
        return {k: {g: tuple(v) for g, v in c.items()}
            for k, c in counts.items()}, late_cases

    @staticmethod
    def rate(to_handle, late):
        return 1 - late / to_handle

    def test_on_time_figures(self):
        "The statistics show the on-time figures counted by hand"
        from trytond.modules.pakn_helpdesk.lifecycle import (
            DELIVERED_STATES,
            ENDING_EVENTS,
        )
        from trytond.modules.pakn_portal.statistics import compute
        from trytond.pool import Pool
        self.assertEqual(set(ENDING_EVENTS), ENDING)
        with self.transaction():
            Configuration = Pool(self.database).get('pakn.configuration')
            year = dt.datetime.now(
                ZoneInfo(Configuration(1).timezone)).year
            counts, late_cases = self.by_hand(year)
            stats = compute(year)
            Ticket = Pool(self.database).get('pakn.ticket')
            answered_late = []
            for ticket in Ticket.search([]):
                if ticket.state in DELIVERED_STATES and any(
                        d.final and d.late and d.met_at
                        and d.met_at > d.due for d in ticket.deadlines):
                    answered_late.append(ticket)
            units = {t.id: t.lead_unit.name for t in answered_late}
            # the flag the statistics used to read, cleared by the answer
            self.assertFalse(any(t.overdue for t in answered_late))
            self.assertTrue(all(t.late for t in answered_late))

        # the demo received every case this year or carried it over (the
        # cases ended as they were driven, just now)
        to_handle, late = counts['overall'][None]
        self.assertEqual(to_handle, 40)
        self.assertEqual(stats['on_time'], {
                'to_handle': to_handle,
                'late': late,
                'on_time_rate': self.rate(to_handle, late),
                })
        self.assertLess(stats['on_time']['on_time_rate'], 1)
        self.assertGreater(stats['on_time']['on_time_rate'], 0)
        for key, rows in [
                ('unit', [
                        (r['unit'], r['to_handle'], r['late'],
                            r['on_time_rate'])
                        for r in stats['handling'] if r['to_handle']]),
                ('field', [
                        (r['label'], r['to_handle'], r['late'],
                            r['on_time_rate'])
                        for r in stats['fields_on_time']]),
                ('channel', [
                        (r['label'], r['to_handle'], r['late'],
                            r['on_time_rate'])
                        for r in stats['channels_on_time']]),
                ]:
            self.assertEqual(
                {name: (n, l, rate) for name, n, l, rate in rows},
                {name: (n, l, self.rate(n, l))
                    for name, (n, l) in counts[key].items()}, key)
        self.assertFalse([r for r in stats['handling']
                if not r['to_handle'] and r['late']])

        # Cases answered late count as late, in their unit's figure too
        self.assertTrue(answered_late, "no case answered late in the demo")
        self.assertLessEqual({t.id for t in answered_late}, late_cases)
        self.assertGreater(late, len(answered_late),
            "no open late case in the demo")
        for unit in set(units.values()):
            self.assertGreaterEqual(counts['unit'][unit][1],
                sum(1 for u in units.values() if u == unit))

        # The page shows them
        client = self.app.test_client()
        text = html.unescape(
            client.get('/thong-ke?nam=%s' % year).text)

        def percent(to_handle, late):
            return '%.0f%%' % (self.rate(to_handle, late) * 100)
        self.assertIn(
            'Tỷ lệ xử lý đúng hạn: %s trong số %s hồ sơ cần xử lý năm %s; '
            '%s hồ sơ trễ hạn.' % (
                percent(to_handle, late), to_handle, year, late), text)
        for unit, (n, l) in counts['unit'].items():
            self.assertRegex(text,
                r'<td>%s</td>(<td class="num">[^<]*</td>){2}'
                r'<td class="num">%s</td><td class="num">%s</td>'
                r'<td class="num">%s</td>' % (
                    re.escape(unit), n, l, percent(n, l)))

    def test_reports(self):
        """The demo holds the office's reports of the province for the last
        month and the year, by unit, field and channel, in XLSX and PDF,
        with their files (copied out by data/demo.py)"""
        from pypdf import PdfReader

        from trytond.modules.pakn_helpdesk.common import now, to_local
        from trytond.modules.pakn_report.compose import period_text
        from trytond.modules.pakn_report.report import period_bounds
        from trytond.modules.pakn_report.tests.test_reporting import (
            first_totals,
        )
        from trytond.pool import Pool
        with self.transaction():
            pool = Pool(self.database)
            Report = pool.get('pakn.report')
            User = pool.get('res.user')
            office, = User.search([('login', '=', 'office')])
            today = to_local(now()).date()
            last_month = today.replace(day=1) - dt.timedelta(days=1)
            reports = Report.search([], order=[('id', 'ASC')])
            self.assertEqual(
                [(r.kind, r.date, r.format) for r in reports], [
                    ('month', last_month, 'xlsx'),
                    ('month', last_month, 'pdf'),
                    ('year', today, 'xlsx'),
                    ('year', today, 'pdf'),
                    ])
            files = {}
            for report in reports:
                files[report.kind, report.format] = (
                    report.file_name, report.file,
                    period_text(report.start, report.end, report.kind))
                with self.subTest(report=report.file_name):
                    self.assertEqual(report.created_by, office)
                    self.assertIsNone(report.unit)
                    self.assertEqual(
                        set(report.breakdowns), {'unit', 'field', 'channel'})
                    self.assertEqual((report.start, report.end),
                        period_bounds(report.kind, report.date))
                    self.assertEqual(
                        report.file_name, '%s.%s' % (
                            report.file_stem(), report.format))
                    self.assertTrue(report.file_name.startswith(
                            'bao-cao-thang-%02d-%s.' % (
                                last_month.month, last_month.year)
                            if report.kind == 'month'
                            else 'bao-cao-nam-%s.' % today.year))
        self.assertEqual(self.server.data['report_menu'],
            'Phản ánh, kiến nghị 1022 / Báo cáo / Báo cáo đã lập')
        copies = {}
        for path in self.server.data['reports']:
            with open(path, 'rb') as file:
                copies[os.path.basename(path)] = file.read()
        self.assertEqual(copies, {n: d for n, d, _ in files.values()})

        # the year's cases are the demo's 40, all to handle this year
        totals, _ = first_totals(files['year', 'xlsx'][1])
        self.assertEqual(totals['Tổng số phải xử lý'], 40)
        totals, _ = first_totals(files['month', 'xlsx'][1])
        self.assertGreater(totals['Tổng số phải xử lý'], 0)
        for kind in ['month', 'year']:
            name, data, period = files[kind, 'pdf']
            with self.subTest(report=name):
                self.assertTrue(data.startswith(b'%PDF-'))
                text = '\n'.join(p.extract_text()
                    for p in PdfReader(io.BytesIO(data)).pages)
                self.assertIn(period, text)
                for title in ['Theo đơn vị', 'Theo lĩnh vực', 'Theo kênh']:
                    self.assertIn(title, text)
                self.assertIn('Tổng cộng', text)


if __name__ == '__main__':
    fill(*sys.argv[1:])
