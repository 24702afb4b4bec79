# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The regulation profiles shipped as data: their figures and articles, and
the due instants of their stages on the province calendar."""
import datetime as dt

from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def local(*args):
    "Naive UTC of a local time in Vietnam (UTC+7)"
    return dt.datetime(*args) - dt.timedelta(hours=7)


# profile, track, stage: duration, unit, starts at, met at, on expiry, article
FIGURES = {
    ('DN2017', 'normal', 'focal_response'): (
        8, 'working_hour', 'forwarded', 'submitted', 'escalate_head',
        'Đ10 k1'),
    ('DN2017', 'normal', 'head_response'): (
        48, 'working_hour', 'forwarded', 'approved', 'mark_overdue',
        'Đ10 k2'),
    ('GL2021', 'normal', 'focal_response'): (
        8, 'working_hour', 'forwarded', 'submitted', 'escalate_head',
        'Đ11 k1'),
    ('GL2021', 'normal', 'head_response'): (
        8, 'working_hour', 'escalated', 'approved', 'forward_office',
        'Đ11 k2'),
    ('KH2022', 'normal', 'intake_distribution'): (
        0.5, 'working_day', 'received', 'forwarded', 'notify', 'Đ6 k2 a, k3'),
    ('KH2022', 'normal', 'unit_acceptance'): (
        0.5, 'working_day', 'forwarded', 'accepted', 'notify', 'Đ7 k3'),
    ('KH2022', 'normal', 'processing'): (
        5, 'working_day', 'accepted', 'submitted', 'mark_overdue', 'Đ7 k3'),
    ('KH2022', 'normal', 'approval'): (
        0.5, 'working_day', 'submitted', 'approved', 'notify', 'Đ8 k3'),
    # Đ10: each step on its own (the intake check, the distribution an
    # hour after it, the acceptance, the temporary fix), then Đ7 k3
    ('KH2022', 'urgent', 'urgent_intake'): (
        1, 'hour', 'received', 'checked', 'notify', 'Đ10 k1'),
    ('KH2022', 'urgent', 'urgent_distribution'): (
        1, 'hour', 'checked', 'forwarded', 'notify', 'Đ10 k2'),
    ('KH2022', 'urgent', 'urgent_acceptance'): (
        1, 'working_hour', 'forwarded', 'accepted', 'notify', 'Đ10 k3'),
    ('KH2022', 'urgent', 'temporary_fix'): (
        1, 'working_day', 'forwarded', 'fixed', 'notify', 'Đ10 k3'),
    ('KH2022', 'urgent', 'processing'): (
        5, 'working_day', 'accepted', 'submitted', 'mark_overdue', 'Đ7 k3'),
    ('HP2024', 'normal', 'triage'): (
        1, 'working_hour', 'received', 'clarification', 'notify', 'Đ8 k3'),
    ('HP2024', 'urgent', 'urgent_summary'): (
        2, 'working_day', 'received', 'reported', 'notify', 'Đ9 k6'),
    ('HP2024', 'normal', 'focal_response'): (
        8, 'working_hour', 'forwarded', 'submitted', 'escalate_head',
        'Đ9 k3'),
    ('HP2024', 'normal', 'head_response'): (
        48, 'working_hour', 'forwarded', 'approved', 'mark_overdue',
        'Đ9 k4'),
    }

# profile, stage, start (local), due (local)
DUES = [
    ('DN2017', 'focal_response', local(2026, 11, 20, 16, 0),
        local(2026, 11, 23, 16, 0)),
    ('DN2017', 'head_response', local(2026, 2, 11, 9, 0),
        local(2026, 2, 26, 9, 0)),
    ('GL2021', 'head_response', local(2026, 11, 17, 22, 0),
        local(2026, 11, 18, 17, 0)),
    ('KH2022', 'intake_distribution', local(2026, 11, 17, 16, 45),
        local(2026, 11, 18, 11, 15)),
    ('KH2022', 'processing', local(2026, 2, 12, 10, 0),
        local(2026, 2, 26, 10, 0)),
    ('HP2024', 'focal_response', local(2026, 8, 21, 16, 0),
        local(2026, 8, 22, 16, 0)),
    ]


class SLATestCase(ModuleTestCase):
    "Regulation profiles"
    module = 'pakn_helpdesk'

    @with_transaction()
    def test_preset_figures(self):
        "Each preset stage has the figures and article of its regulation"
        pool = Pool()
        Stage = pool.get('pakn.sla.stage')
        stages = {
            (s.profile.code, s.track, s.code): s for s in Stage.search([])}
        for key, figures in FIGURES.items():
            with self.subTest(stage=key):
                stage = stages[key]
                self.assertEqual((
                        stage.duration, stage.duration_unit,
                        stage.start_event, stage.met_event, stage.on_expiry),
                    figures[:5])
                self.assertIn(figures[5], stage.article)
                self.assertTrue(stage.quote)

    @with_transaction()
    def test_preset_duplicated(self):
        "A preset duplicated as the client does gets a free code and stages"
        pool = Pool()
        Profile = pool.get('pakn.sla.profile')
        preset, = Profile.search([('code', '=', 'DN2017')])
        first, = Profile.copy([preset])
        second, = Profile.copy([preset])
        self.assertEqual((first.code, second.code), ('DN2017-1', 'DN2017-2'))
        self.assertEqual(
            sorted((s.track, s.code, s.duration) for s in first.stages),
            sorted((s.track, s.code, s.duration) for s in preset.stages))
        again, = Profile.copy([first])
        self.assertEqual(again.code, 'DN2017-1-1')

    @with_transaction()
    def test_preset_policies(self):
        "Extensions, reminders, ratings and overdue labels of the presets"
        pool = Pool()
        Profile = pool.get('pakn.sla.profile')
        profiles = {p.code: p for p in Profile.search([])}
        dn, gl, kh, hp = (profiles[c] for c in [
                'DN2017', 'GL2021', 'KH2022', 'HP2024'])
        self.assertEqual(dn.extension_max, 3)
        self.assertEqual(dn.get_extension_lengths(), [2, 1, 1])
        self.assertEqual(gl.extension_max, 1)
        self.assertEqual(gl.get_extension_lengths(), [])
        self.assertEqual(gl.extension_reminder, 24)
        self.assertEqual(kh.extension_cap, 10)
        self.assertEqual(kh.extension_max, 1)
        self.assertTrue(kh.extension_requires_complex)
        self.assertEqual(
            [(p.extension_stage, p.extension_from) for p in [dn, gl, kh, hp]],
            [('focal_response', 'now'), ('focal_response', 'now'),
                ('processing', 'due'), ('focal_response', 'now')])
        self.assertEqual(gl.extension_on_expiry, 'mark_overdue')
        self.assertEqual(hp.extension_cap_stage, 'head_response')
        self.assertEqual(
            (gl.rating_scale, gl.rating_reason_required),
            ('satisfied_acceptable', True))
        self.assertEqual(kh.rating_scale, 'very_satisfied')
        self.assertEqual(dn.overdue_label, "trễ hạn (đang chờ xử lý)")
        self.assertEqual(hp.overdue_label, "quá hạn (đang chờ xử lý)")
        self.assertEqual(hp.valid_to, dt.date(2024, 12, 31))
        self.assertEqual(
            [s.code for s in kh.stages_of('urgent')],
            ['urgent_intake', 'urgent_distribution', 'urgent_acceptance',
                'temporary_fix', 'processing', 'approval'])
        # without an urgent track, urgent cases follow the normal one
        self.assertEqual(
            [s.code for s in dn.stages_of('urgent')],
            ['focal_response', 'head_response'])

    @with_transaction()
    def test_due(self):
        "Due instants of preset stages on the province calendar"
        pool = Pool()
        Stage = pool.get('pakn.sla.stage')
        Calendar = pool.get('pakn.calendar')
        calendar = Calendar.get_default().working_time()
        for code, stage_code, start, due in DUES:
            stage, = Stage.search([
                    ('profile.code', '=', code),
                    ('track', '=', 'normal'),
                    ('code', '=', stage_code),
                    ])
            with self.subTest(profile=code, stage=stage_code):
                self.assertEqual(stage.due(start, calendar), due)
        stage, = Stage.search([('code', '=', 'urgent_distribution')])
        # clock hours: the night counts
        self.assertEqual(
            stage.due(local(2026, 11, 17, 22, 0), calendar),
            local(2026, 11, 17, 23, 0))

    @with_transaction()
    def test_case_keeps_its_profile(self):
        "A case keeps the profile it was received under"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        ModelData = pool.get('ir.model.data')
        values = {
            'channel': ModelData.get_id('pakn_helpdesk', 'channel_web'),
            'submitter_name': "Lê Thị Hoa", 'submitter_phone': '0912345678',
            'content': "Nội dung",
            }
        first, = Ticket.create([values])
        self.assertEqual(first.sla_profile.code, 'KH2022')
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', 'GL2021')])
        config.save()
        second, = Ticket.create([values])
        self.assertEqual(second.sla_profile.code, 'GL2021')
        self.assertEqual(Ticket(first.id).sla_profile.code, 'KH2022')

    @with_transaction()
    def test_bad_profile_refused(self):
        "Extension lengths must match the count; durations be positive"
        pool = Pool()
        Profile = pool.get('pakn.sla.profile')
        with self.assertRaises(UserError):
            Profile.create([{
                        'code': 'X', 'name': "X", 'extension_max': 2,
                        'extension_lengths': '2, 1, 1'}])
        with self.assertRaises(UserError):
            Profile.create([{
                        'code': 'Y', 'name': "Y",
                        'extension_lengths': 'hai ngày'}])
        with self.assertRaises(UserError):
            Profile.create([{
                        'code': 'Z', 'name': "Z", 'stages': [('create', [{
                                        'code': 's', 'name': "s",
                                        'role': 'unit', 'duration': 0,
                                        'start_event': 'received',
                                        'met_event': 'answered'}])]}])


del ModuleTestCase
