# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The approver's preview of the public question, in a real headless
Chromium (Debian's) through sao.

A case whose content holds a phone, an email, an ID number and an address
is submitted for approval; the unit's leader opens it from their queue and
sees, on the "Công khai" page, the public copy with the items hidden behind
"[đã ẩn]" and the list of what was hidden beside the original; hides the
citizen's name as well, sees it listed, and saves. Screenshots go to
tests/artifacts/redaction/."""
import os
import unittest

from . import chromium
from .trytond_server import ROOT, TrytonServer

DATABASE = 'test_pakn_redaction_ui'
ARTIFACTS = os.path.join(ROOT, 'tests', 'artifacts', 'redaction')
ROOT_MENU = "Phản ánh, kiến nghị 1022"
TOKEN = "[đã ẩn]"
CONTENT = (
    "Cống trước nhà tôi ở số 12 đường Lê Lợi bị tắc hai tuần nay. Tôi là "
    "Phạm Thị Hoa, CCCD 001203012345. Xin gọi 0912 345 678 hoặc gửi thư "
    "về hoa.pham@example.vn.")


class RedactionBrowserTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from playwright.sync_api import sync_playwright
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'rpc_fixture.py'),
            languages=['vi']).start()
        cls.data = cls.server.data
        try:
            cls.ticket, cls.code = cls.waiting_case()
        except Exception:
            cls.server.stop()
            raise
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

    @classmethod
    def waiting_case(cls):
        """A case with personal data in its content, taken over JSON-RPC
        by the operator and the unit's focal point to the leader's
        approval; return its id and code"""
        password = cls.data['password']
        operator = cls.server.client('operator', password)
        ticket_a = cls.data['tickets']['a']
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
        focal = cls.server.client('spec_a', password)
        focal.call('model.pakn.ticket.accept', [ticket], {})
        focal.call('model.pakn.ticket.write', [ticket],
            {'result': "Đã nạo vét cống trước nhà."}, {})
        focal.call('model.pakn.ticket.submit', [ticket], {})
        values, = focal.call('model.pakn.ticket.read', [ticket],
            ['state', 'code'], {})
        assert values['state'] == 'waiting_approval', values
        return ticket, values['code']

    def open_page(self, login):
        "Log in as the user; return the page and its list of script errors"
        context = self.browser.new_context(
            viewport={'width': 1366, 'height': 1000}, locale='vi-VN',
            timezone_id='Asia/Ho_Chi_Minh')
        self.addCleanup(context.close)
        page = context.new_page()
        errors = []
        page.on('pageerror', lambda error: errors.append(str(error)))
        page.set_default_timeout(30000)
        page.goto(self.server.url + '/')
        page.wait_for_load_state('networkidle')
        page.locator('#login').fill(login)
        page.locator('button[type=submit]:visible').click()
        password = page.locator('input[type=password]')
        password.fill(self.data['password'])
        password.press('Enter')
        page.get_by_text(ROOT_MENU, exact=True).wait_for()
        return page, errors

    def test_leader_sees_masked_preview(self):
        "The leader sees the public copy masked and what it hides"
        page, errors = self.open_page('leader_a')
        menu = page.locator('#menu')
        menu.get_by_text(ROOT_MENU, exact=True).click()
        menu.get_by_text("Việc của tôi", exact=True).click()
        page.wait_for_load_state('networkidle')
        # the cell of the code (the channel and the unit cells are links)
        cell = page.locator('td:visible', has_text=self.code).first
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
        page.screenshot(path=os.path.join(ARTIFACTS, 'leader-preview.png'))

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
        page.screenshot(path=os.path.join(ARTIFACTS, 'leader-masked.png'))
        self.assertEqual(errors, [])

        leader = self.server.client('leader_a', self.data['password'])
        values, = leader.call('model.pakn.ticket.read', [self.ticket],
            ['public_question', 'content'], {})
        self.assertEqual(values['content'], CONTENT)
        self.assertNotIn("Phạm Thị Hoa", values['public_question'])
        self.assertEqual(values['public_question'].count(TOKEN), 5)
