# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The back office in a real headless Chromium (Debian's) through sao.

Every screen of the PAKN menu opens, as list and as form, for each role,
without a script error; an operator records a case and forwards it by
clicking, as on a working day; a leader sees the public copy of a question
with the personal data hidden, and what was hidden, before approving it.
Screenshots go to tests/artifacts/."""
import os
import re
import unittest

from . import chromium
from .trytond_server import ROOT, TrytonServer, run_database

DATABASE = run_database('test_pakn_ui')
ARTIFACTS = os.path.join(ROOT, 'tests', 'artifacts', 'backoffice')
ROOT_MENU = "Phản ánh, kiến nghị 1022"
TOKEN = "[đã ẩn]"
# A question with an address, an ID number, a phone and an email
CONTENT = (
    "Cống trước nhà tôi ở số 12 đường Lê Lợi bị tắc hai tuần nay. Tôi là "
    "Phạm Thị Hoa, CCCD 001203012345. Xin gọi 0912 345 678 hoặc gửi thư "
    "về hoa.pham@example.vn.")


class BackOfficeBrowserTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from playwright.sync_api import sync_playwright
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'rpc_fixture.py'),
            languages=['vi']).start()
        cls.data = cls.server.data
        cls.playwright = sync_playwright().start()
        try:
            cls.browser = chromium.launch(cls.playwright)
        except Exception:
            cls.playwright.stop()
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        cls.server.stop()
        super().tearDownClass()

    def open_page(self, login):
        "Log in as the user; return the page and its list of script errors"
        # a context of its own: no session or storage left by another login
        context = self.browser.new_context(
            viewport={'width': 1366, 'height': 900}, locale='vi-VN',
            timezone_id='Asia/Ho_Chi_Minh')
        self.addCleanup(context.close)
        page = context.new_page()
        errors = []
        page.on('pageerror', lambda error: errors.append(str(error)))
        page.set_default_timeout(30000)
        # the database named in the address: sao then needs no choice,
        # whatever other databases the server holds
        page.goto(self.server.url + '/#' + self.server.database)
        # sao binds its dialog once it has loaded its scripts and catalogue
        page.wait_for_load_state('networkidle')
        page.locator('#login').fill(login)
        page.locator('button[type=submit]:visible').click()
        password = page.locator('input[type=password]')
        password.fill(self.data['password'])
        password.press('Enter')
        page.get_by_text(ROOT_MENU, exact=True).wait_for()
        self.assertEqual(page.locator('#title').inner_text(), "Tổng đài 1022")
        return page, errors

    def menu_entries(self, page):
        "Expand the PAKN menu with its sub-menus; return the entries"
        menu = page.locator('#menu')
        menu.get_by_text(ROOT_MENU, exact=True).click()
        menu.get_by_text("Việc của tôi", exact=True).wait_for()
        expanded = {ROOT_MENU}
        while True:
            rows = menu.locator('tbody tr')
            for i in range(rows.count()):
                row = rows.nth(i)
                name = row.locator('.column-char').get_attribute('title')
                expander = row.locator('span.expander').first
                if (name not in expanded and 'visible;' in (
                            expander.get_attribute('style') or '')):
                    expanded.add(name)
                    expander.locator('img').click()
                    page.wait_for_timeout(500)
                    break
            else:
                break
        return menu.locator('tbody tr .column-char')

    def test_every_screen_renders(self):
        "Each role opens every screen of its menu, list and form"
        expected = {
            'operator': {"Việc của tôi", "Hồ sơ phản ánh, kiến nghị",
                "Đơn vị xử lý"},
            'spec_a': {"Việc của tôi", "Hồ sơ phản ánh, kiến nghị",
                "Đơn vị xử lý", "Câu hỏi tương tác"},
            'leader_a': {"Việc của tôi", "Hồ sơ phản ánh, kiến nghị",
                "Đơn vị xử lý", "Câu hỏi tương tác"},
            'office': {"Việc của tôi", "Hồ sơ phản ánh, kiến nghị",
                "Đơn vị xử lý", "Lịch sử xử lý hồ sơ", "Hộp thư đi SMS",
                "Câu hỏi tương tác"},
            'pakn_admin': {"Hồ sơ phản ánh, kiến nghị", "Hộp thư đi SMS",
                "Cổng SMS", "Mẫu tin nhắn"},
            }
        for login, screens in expected.items():
            with self.subTest(login=login):
                page, errors = self.open_page(login)
                entries = self.menu_entries(page)
                names = entries.all_inner_texts()
                self.assertLessEqual(screens, set(names))
                for i, name in enumerate(names):
                    if name == ROOT_MENU:
                        continue
                    entries.nth(i).click()
                    page.wait_for_load_state('networkidle')
                    page.wait_for_timeout(500)
                    switch = page.locator('#switch_:visible').last
                    if switch.is_enabled():
                        switch.click()
                        page.wait_for_load_state('networkidle')
                        page.wait_for_timeout(500)
                    page.screenshot(path=os.path.join(
                            ARTIFACTS, '%s-%s-%s.png' % (
                                login, i, re.sub(r'\W+', '_', name))))
                self.assertEqual(errors, [])

    def field(self, page, label):
        "The input of the form field with this Vietnamese label"
        labels = page.locator('label:visible', has_text=label)
        for i in range(labels.count()):
            # a field may be shown twice (the content, beside its public
            # copy): the visible one
            widget = page.locator('#' + labels.nth(i).get_attribute('for'))
            if widget.evaluate('e => e.tagName') == 'A':
                # a field with a button, e.g. the phone with its call link
                widget = widget.locator('xpath=../..').locator('input').first
            if widget.is_visible():
                return widget
            # the label points to the other widget of the field
            name = widget.get_attribute('name')
            if name:
                visible = page.locator('[name="%s"]:visible' % name)
                if visible.count():
                    return visible.first
        return widget

    def test_operator_records_and_forwards(self):
        "An operator records a phone case and forwards it, by clicking"
        page, errors = self.open_page('operator')
        menu = page.locator('#menu')
        menu.get_by_text(ROOT_MENU, exact=True).click()
        menu.get_by_text("Hồ sơ phản ánh, kiến nghị", exact=True).click()
        page.wait_for_load_state('networkidle')
        page.locator('#new_:visible').last.click()
        page.wait_for_load_state('networkidle')
        page.locator(
            'label:visible', has_text="Mã bản ghi âm cuộc gọi").wait_for()
        page.wait_for_timeout(1000)
        # the phone channel is proposed: the recording is asked for
        self.field(page, "Mã bản ghi âm cuộc gọi").fill('REC-UI-0001')
        self.field(page, "Họ và tên").fill("Nguyễn Thị Trình Duyệt")
        self.field(page, "Số điện thoại").fill('0912 000 111')
        self.field(page, "Địa chỉ liên hệ").fill("1 Phố Thử, phường Hồng Hà")
        self.field(page, "Nội dung phản ánh, kiến nghị").fill(
            "Đèn đường ngõ 5 phố Thử bị hỏng đã một tuần.")
        page.get_by_text("Xử lý", exact=True).click()
        unit = self.field(page, "Cơ quan chủ trì xử lý")
        unit.fill("Sở Y tế")
        unit.press('Tab')
        # the search dialog lists the matching unit: choose it
        dialog = page.locator('.modal-dialog:visible')
        dialog.get_by_text("SYT", exact=True).click()
        dialog.get_by_role('button', name="Đồng ý").click()
        page.wait_for_load_state('networkidle')
        page.wait_for_timeout(500)
        page.get_by_role('button', name="Chuyển xử lý").click()
        page.wait_for_load_state('networkidle')
        page.wait_for_timeout(1000)
        page.screenshot(path=os.path.join(ARTIFACTS, 'operator-forward.png'))
        self.assertEqual(errors, [])

        office = self.server.client('office', self.data['password'])
        ids = office.call('model.pakn.ticket.search', [
                ('submitter_name', '=', "Nguyễn Thị Trình Duyệt")],
            0, None, None, {})
        self.assertEqual(len(ids), 1)
        ticket, = office.call('model.pakn.ticket.read', ids, [
                'state', 'lead_unit.code', 'submitter_phone',
                'recording_ref', 'code'], {})
        self.assertEqual(ticket['state'], 'forwarded')
        self.assertEqual(ticket['lead_unit.']['code'], 'SYT')
        self.assertEqual(ticket['submitter_phone'], '+84912000111')
        # the code the citizen will be given is on the operator's screen
        self.assertEqual(
            self.field(page, "Mã tra cứu").input_value(), ticket['code'])

    def waiting_case(self):
        """A case with personal data in its content, taken over JSON-RPC
        by the operator and the unit's focal point to the leader's
        approval; return its id and code"""
        password = self.data['password']
        operator = self.server.client('operator', password)
        ticket_a = self.data['tickets']['a']
        unit = operator.call('model.pakn.ticket.read', [ticket_a],
            ['lead_unit'], {})[0]['lead_unit']
        web, = operator.call('model.pakn.channel.search',
            [('code', '=', 'web')], 0, 1, None, {})
        ticket, = operator.call('model.pakn.ticket.create', [{
                    'channel': web,
                    'submitter_name': "Phạm Thị Hoa",
                    'submitter_phone': '0912345678',
                    'submitter_address': "12 Lê Lợi, phường Hải Châu",
                    'content': CONTENT,
                    'lead_unit': unit,
                    }], {})
        operator.call('model.pakn.ticket.forward', [ticket], {})
        focal = self.server.client('spec_a', password)
        focal.call('model.pakn.ticket.accept', [ticket], {})
        focal.call('model.pakn.ticket.write', [ticket],
            {'result': "Đã nạo vét cống trước nhà."}, {})
        focal.call('model.pakn.ticket.submit', [ticket], {})
        values, = focal.call('model.pakn.ticket.read', [ticket],
            ['state', 'code'], {})
        assert values['state'] == 'waiting_approval', values
        return ticket, values['code']

    def test_leader_sees_masked_preview(self):
        "The leader sees the public copy masked and what it hides"
        ticket, code = self.waiting_case()
        page, errors = self.open_page('leader_a')
        menu = page.locator('#menu')
        menu.get_by_text(ROOT_MENU, exact=True).click()
        menu.get_by_text("Việc của tôi", exact=True).click()
        page.wait_for_load_state('networkidle')
        # the cell of the code (the channel and the unit cells are links)
        cell = page.locator('td:visible', has_text=code).first
        cell.wait_for()
        cell.dblclick()
        page.wait_for_load_state('networkidle')
        page.get_by_role('tab', name="Công khai", exact=True).click()
        public = page.locator('textarea[name=public_question]:visible')
        public.wait_for()
        page.wait_for_timeout(500)
        copy = public.input_value()
        self.assertEqual(copy,
            "Cống trước nhà tôi ở [đã ẩn] bị tắc hai tuần nay. Tôi là "
            "Phạm Thị Hoa, CCCD [đã ẩn]. Xin gọi [đã ẩn] hoặc gửi thư "
            "về [đã ẩn].")
        # the original beside it, for the leader to compare
        original = page.locator('textarea[name=content]:visible')
        self.assertEqual(original.input_value(), CONTENT)
        hidden = page.locator('textarea[name=public_masked]:visible')
        self.assertEqual(hidden.input_value().splitlines(), [
                "Địa chỉ nhà riêng: số 12 đường Lê Lợi",
                "Số CMND/CCCD: 001203012345",
                "Số điện thoại: 0912 345 678",
                "Thư điện tử: hoa.pham@example.vn",
                ])
        page.screenshot(path=os.path.join(
            ARTIFACTS, 'redaction-leader-preview.png'))

        # the leader hides the name too: the list follows before saving
        public.fill(copy.replace("Phạm Thị Hoa", TOKEN))
        public.press('Tab')
        page.wait_for_load_state('networkidle')
        page.wait_for_timeout(500)
        self.assertIn("Cán bộ ẩn thêm: Phạm Thị Hoa",
            hidden.input_value().splitlines())
        page.keyboard.press('Control+s')
        page.wait_for_load_state('networkidle')
        page.wait_for_timeout(1000)
        page.screenshot(path=os.path.join(
            ARTIFACTS, 'redaction-leader-masked.png'))
        self.assertEqual(errors, [])

        leader = self.server.client('leader_a', self.data['password'])
        values, = leader.call('model.pakn.ticket.read', [ticket],
            ['public_question', 'content'], {})
        self.assertEqual(values['content'], CONTENT)
        self.assertNotIn("Phạm Thị Hoa", values['public_question'])
        self.assertEqual(values['public_question'].count(TOKEN), 5)
