# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public portal in a real headless Chromium (Debian's), served over
HTTP by its own command, on the backend of the run (SQLite or PostgreSQL).

- A citizen submits a case with a photo, the staff handle it in the back
  office (proteus over XML-RPC on a trytond of the same database), the
  citizen tracks it with code and phone, finds the published answer by a
  search without diacritics, rates it and asks a follow-up question, whose
  answer becomes public; all under the site's Content Security Policy,
  without a script error or a policy violation.
- Every page visited is screenshot at 360 px and at 1280 px
  (tests/artifacts/portal/) and must fit the width of the screen.
- axe-core (npm, devDependencies) finds no serious or critical WCAG 2 A/AA
  violation on the main pages.
- Without JavaScript, the submission form still works."""
import base64
import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import xmlrpc.client
import zlib
from zoneinfo import ZoneInfo

from . import chromium
from .trytond_server import ROOT, TrytonServer, free_port, run_database

DATABASE = run_database('test_pakn_portal_ui')
FIXTURE = os.path.join(ROOT, 'tests', 'portal_fixture.py')
ARTIFACTS = os.path.join(ROOT, 'tests', 'artifacts', 'portal')
# What the portal's answers must not name (its Server header)
SERVER_NAMES = ('werkzeug', 'python', 'flask', 'gunicorn')
AXE = os.path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js')
CATALOGUE = os.path.join(
    ROOT, 'addons', 'pakn_portal', 'site', 'translations', 'vi',
    'LC_MESSAGES', 'messages.po')
# Width, height: a common Android phone, a laptop
VIEWPORTS = [(1280, 800), (360, 740)]
TIMEZONE = 'Asia/Ho_Chi_Minh'
CODE = re.compile(r'^PAKN-\d{4}-\d{6}-[A-Z2-9]{3}$')

# The elements that stick out of the right edge of the screen, unless an
# ancestor scrolls or clips them (a table in a scrolling box)
OVERFLOW_JS = r"""() => {
    const limit = window.innerWidth;
    const clipped = (element) => {
        for (let p = element.parentElement; p && p !== document.body;
                p = p.parentElement) {
            const overflow = getComputedStyle(p).overflowX;
            if (['auto', 'scroll', 'hidden', 'clip'].includes(overflow)) {
                return true;
            }
        }
        return false;
    };
    const offenders = [];
    for (const element of document.body.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if ((!box.width && !box.height) || box.right <= limit + 1
                || clipped(element)) {
            continue;
        }
        const name = element.className && element.className.baseVal
            !== undefined ? element.className.baseVal : element.className;
        offenders.push({
            tag: element.tagName.toLowerCase(),
            id: element.id || '',
            cls: name || '',
            text: (element.innerText || element.textContent || '')
                .trim().replace(/\s+/g, ' ').slice(0, 60),
            right: Math.round(box.right),
            width: Math.round(box.width),
        });
    }
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: limit,
        offenders: offenders,
    };
}"""

AXE_JS = """async () => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
        resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
    }));
}"""

# Logged as a console error by any policy violation, on top of Chromium's
# own "Refused to ..." messages (an init script is not subject to the CSP)
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', function (event) {
    console.error('CSP violation: ' + event.violatedDirective + ' blocked '
        + event.blockedURI + ' at ' + event.sourceFile + ':'
        + event.lineNumber);
});
"""


def make_png(width=24, height=16):
    "A real PNG image: a red and white flag"
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    rows = b''.join(
        b'\x00' + b''.join(
            (b'\xa3\x11\x1d' if (x // 4 + y // 4) % 2 else b'\xff\xff\xff')
            for x in range(width))
        for y in range(height))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(rows))
        + chunk(b'IEND', b''))


def load_catalogue():
    from babel.messages.pofile import read_po
    with open(CATALOGUE, 'rb') as file:
        return read_po(file, locale='vi')


_catalogue = []


def _(text, **variables):
    "The Vietnamese text of a message of the site, as the site shows it"
    if not _catalogue:
        _catalogue.append(load_catalogue())
    message = _catalogue[0].get(text)
    if message and message.string and not message.fuzzy:
        text = message.string
    return text % variables if variables else text


class PortalBrowserTestCase(unittest.TestCase):
    "The portal in Chromium, with the back office driven by proteus"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from playwright.sync_api import sync_playwright
        if not os.path.exists(AXE):
            raise RuntimeError(
                "%s is missing: run `make install` (npm ci)" % AXE)
        os.makedirs(ARTIFACTS, exist_ok=True)
        # Class cleanups also run when setUpClass fails half-way
        cls.server = TrytonServer(DATABASE, FIXTURE).start()
        cls.addClassCleanup(cls.server.stop)
        cls.data = cls.server.data
        cls.password = cls.data['password']
        cls.rpc_url = '%s/%s/rpc/' % (cls.server.url, DATABASE)
        cls.instance = tempfile.mkdtemp(prefix='pakn-portal-ui-')
        cls.addClassCleanup(shutil.rmtree, cls.instance, ignore_errors=True)
        cls.start_portal()
        cls.playwright = sync_playwright().start()
        cls.addClassCleanup(cls.playwright.stop)
        cls.browser = chromium.launch(cls.playwright)
        cls.addClassCleanup(cls.browser.close)
        cls.visitors = 0

    @classmethod
    def start_portal(cls):
        "Serve the portal with its own command, as `make demo` does"
        cls.port = port = free_port()
        cls.url = 'http://127.0.0.1:%s' % port
        cls.portal_log = os.path.join(cls.instance, 'portal.log')
        log = open(cls.portal_log, 'wb')
        cls.addClassCleanup(log.close)
        cls.portal = subprocess.Popen(
            [sys.executable, '-m', 'trytond.modules.pakn_portal.site',
                '-d', DATABASE, '--host', '127.0.0.1', '--port', str(port)],
            env={**cls.server.env,
                'PAKN_PORTAL_INSTANCE': cls.instance,
                # Behind "a proxy": each browser context is a visitor of
                # its own (X-Forwarded-For), with its own rate limits
                'PAKN_PORTAL_PROXIES': '1',
                },
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop_portal)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(cls.url + '/', timeout=5):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if cls.portal.poll() is not None:
                    raise RuntimeError(
                        "the portal did not start:\n" + cls.portal_tail())
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "the portal did not answer in 60 s:\n"
                        + cls.portal_tail())
                time.sleep(0.2)

    @classmethod
    def stop_portal(cls):
        if cls.portal.poll() is None:
            cls.portal.terminate()
            try:
                cls.portal.wait(10)
            except subprocess.TimeoutExpired:
                cls.portal.kill()
                cls.portal.wait(10)

    @classmethod
    def portal_tail(cls, size=4000):
        with open(cls.portal_log, 'rb') as file:
            return file.read().decode('utf-8', 'replace')[-size:]

    # Helpers

    def new_page(self, width=360, height=740, **options):
        """A page in a context of its own (a new visitor, with its own
        address and session) and the list of what went wrong in it"""
        type(self).visitors += 1
        context = self.browser.new_context(
            viewport={'width': width, 'height': height}, locale='vi-VN',
            timezone_id=TIMEZONE, extra_http_headers={
                'X-Forwarded-For': '10.1.0.%d' % self.visitors},
            **options)
        self.addCleanup(context.close)
        context.set_default_timeout(20000)
        context.set_default_navigation_timeout(30000)
        if options.get('java_script_enabled', True):
            context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        problems = []
        page.expected_statuses = {}

        def console(message):
            if message.type != 'error':
                return
            # A page sent with an error status on purpose is logged too
            text = message.text
            url = message.location.get('url') or ''
            expected = page.expected_statuses.get(url)
            if expected and 'status of %s' % expected in text:
                return
            # Chromium asks for an icon on its own, once per browser; the
            # site has none, no page refers to one
            if url == self.url + '/favicon.ico':
                return
            problems.append('console error on %s: %s (%s)' % (
                    page.url, text, message.location.get('url')))

        def response(response):
            expected = page.expected_statuses.get(response.url)
            if response.status >= 400 and response.status != expected:
                problems.append('%s %s answered %s' % (
                        response.request.method, response.url,
                        response.status))

        def failed(request):
            if request.failure != 'net::ERR_ABORTED':
                problems.append('%s %s failed: %s' % (
                        request.method, request.url, request.failure))
        page.on('console', console)
        page.on('pageerror',
            lambda error: problems.append('script error on %s: %s' % (
                    page.url, error)))
        page.on('response', response)
        page.on('requestfailed', failed)
        return page, problems

    @contextlib.contextmanager
    def navigation(self, page, status=None):
        "Wait for the navigation that the block starts"
        if status:
            page.expected_statuses[page.url.split('#')[0]] = status
        with page.expect_navigation(wait_until='load') as info:
            yield info
        response = info.value
        self.assertIsNotNone(response)
        self.assertEqual(response.status, status or 200, '%s %s' % (
                response.request.method, response.url))

    def check_layout(self, page, name, problems):
        """Screenshot the page at each width; record what sticks out of
        the screen. The page is left at the last (phone) width."""
        for width, height in VIEWPORTS:
            page.set_viewport_size({'width': width, 'height': height})
            page.screenshot(path=os.path.join(
                    ARTIFACTS, '%s-%s.png' % (width, name)), full_page=True)
            layout = page.evaluate(OVERFLOW_JS)
            if (layout['scrollWidth'] > layout['innerWidth']
                    or layout['offenders']):
                problems.append(
                    '%s at %s px: page %s px wide; too wide: %s' % (
                        name, width, layout['scrollWidth'], '; '.join(
                            '<%(tag)s id=%(id)r class=%(cls)r> %(text)r '
                            '(right %(right)s, width %(width)s)' % o
                            for o in layout['offenders'][:10])))

    @contextlib.contextmanager
    def backoffice(self, login):
        """proteus over XML-RPC in a session of login (as
        proteus.config.set_xmlrpc_session, without changing the current
        configuration of proteus for the other tests of the process)"""
        from proteus.config import XmlrpcConfig
        server = xmlrpc.client.ServerProxy(
            self.rpc_url, allow_none=True, use_builtin_types=True)
        user_id, session, _ = server.common.db.login(
            login, {'password': self.password})
        auth = base64.b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        configuration = XmlrpcConfig(self.rpc_url,
            headers=[('Authorization', 'Session ' + auth)])
        try:
            yield configuration
        finally:
            configuration.server.common.db.logout()

    def model(self, configuration, name):
        from proteus import Model
        return Model.get(name, config=configuration)

    def consent_and_send(self, page):
        "Tick the consent, send the form; return the tracking code"
        page.locator('input[name=consent]').check()
        with self.navigation(page):
            page.locator('main form button[type=submit]').click()
        self.assertEqual(page.url, self.url + '/gui-phan-anh/da-gui')
        code = page.locator('#tracking-code').inner_text().strip()
        self.assertRegex(code, CODE)
        return code

    def main_text(self, page):
        return page.locator('main').inner_text()

    def fill_submission(self, page, values):
        for name in ['submitter_name', 'submitter_phone', 'submitter_email',
                'submitter_address', 'content', 'matter_place',
                'matter_time']:
            if name in values:
                page.locator('#' + name).fill(values[name])

    # The tests

    def test_citizen_journey(self):
        "Submit, handled by the staff, track, find, read, rate and ask"
        png = make_png()
        photo = os.path.join(self.instance, 'ảnh cây nghiêng.png')
        with open(photo, 'wb') as file:
            file.write(png)
        layout = []
        page, problems = self.new_page()

        # Home
        response = page.goto(self.url + '/')
        self.assertEqual(response.status, 200)
        csp = response.headers['content-security-policy']
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertEqual(page.locator('html').get_attribute('lang'), 'vi')
        self.check_layout(page, 'home', layout)
        page.locator('main a.button[href="/gui-phan-anh"]').click()
        page.wait_for_url(self.url + '/gui-phan-anh')

        # The form, sent empty first: the errors are shown
        page.locator('#content').wait_for()
        self.check_layout(page, 'submit', layout)
        with self.navigation(page, status=400):
            page.locator('main form button[type=submit]').click()
        alert = page.locator('#errors[role=alert]')
        self.assertTrue(alert.is_visible())
        self.assertIn(_("Your case was not sent yet: please correct what "
                "is shown below."), alert.inner_text())
        self.assertEqual(page.locator('#consent-error').inner_text(),
            _("Please tick this box: we cannot handle your case without "
                "it."))
        self.assertEqual(page.locator('input[name=consent]').get_attribute(
                'aria-invalid'), 'true')
        # Every missing field at once, each beside its input
        for name in ['submitter_name', 'submitter_phone', 'content']:
            self.assertTrue(page.locator('#%s-error' % name).is_visible())
            self.assertEqual(page.locator('#' + name).get_attribute(
                    'aria-describedby'), '%s-error' % name)
        self.check_layout(page, 'submit-errors', layout)

        # Filled in Vietnamese, with a photo
        now = dt.datetime.now(ZoneInfo(TIMEZONE))
        matter_time = (now - dt.timedelta(days=2)).replace(
            hour=7, minute=30, second=0, microsecond=0)
        values = {
            'submitter_name': "Trần Thị Bình",
            'submitter_phone': '0903 111 222',
            'submitter_email': 'binh.tran@example.vn',
            'submitter_address': "78 Nguyễn Huệ, phường Bến Nghé",
            'content': "Cây xanh trước số 45 đường Lê Lợi bị nghiêng, có "
            "nguy cơ đổ khi mưa bão.\n\nĐề nghị cắt tỉa và chằng chống gấp "
            "trước mùa mưa.",
            'matter_place': "Trước số 45 đường Lê Lợi, phường Hải Châu",
            'matter_time': matter_time.strftime('%Y-%m-%dT%H:%M'),
            }
        self.fill_submission(page, values)
        # The script offers the published answer on the same street
        similar = page.locator('#similar li a')
        similar.first.wait_for()
        self.assertIn("Đường Lê Lợi bị ngập sâu", similar.first.inner_text())
        field = page.locator('#field option').nth(1)
        field_name = field.inner_text().strip()
        page.locator('#field').select_option(field.get_attribute('value'))
        page.locator('#attachments').set_input_files(photo)
        code = self.consent_and_send(page)
        self.assertIn(_("Thank you, your case has been received"),
            self.main_text(page))
        self.check_layout(page, 'submitted', layout)

        # The back office handles it
        units = self.data['units']
        with self.backoffice('operator') as config:
            Ticket = self.model(config, 'pakn.ticket')
            ticket, = Ticket.find([('code', '=', code)])
            self.assertEqual(ticket.state, 'received')
            self.assertEqual(ticket.channel.code, 'web')
            self.assertEqual(ticket.submitter_name, "Trần Thị Bình")
            self.assertEqual(ticket.submitter_phone, '+84903111222')
            self.assertEqual(ticket.submitter_email, 'binh.tran@example.vn')
            self.assertEqual(ticket.content, values['content'])
            self.assertEqual(ticket.matter_place, values['matter_place'])
            self.assertEqual(ticket.matter_time, matter_time.astimezone(
                    dt.timezone.utc).replace(tzinfo=None))
            self.assertEqual(ticket.field.name, field_name)
            self.assertIsNotNone(ticket.consent_at)
            Attachment = self.model(config, 'ir.attachment')
            attachment, = Attachment.find(
                [('resource', '=', 'pakn.ticket,%s' % ticket.id)])
            self.assertEqual(attachment.name, 'ảnh cây nghiêng.png')
            self.assertEqual(attachment.pakn_kind, 'submission')
            self.assertEqual(bytes(attachment.data), png)
            ticket.lead_unit = self.model(config, 'pakn.unit')(
                units['construction'])
            ticket.click('forward')
            self.assertEqual(ticket.state, 'forwarded')
            ticket_id = ticket.id
        result = ("Sở Xây dựng đã cắt tỉa và chằng chống cây xanh trước "
            "số 45 đường Lê Lợi ngày 22/11.")
        with self.backoffice('spec_a') as config:
            ticket = self.model(config, 'pakn.ticket')(ticket_id)
            ticket.click('accept')
            ticket.result = result
            ticket.click('submit')
            self.assertEqual(ticket.state, 'waiting_approval')
        with self.backoffice('leader_a') as config:
            ticket = self.model(config, 'pakn.ticket')(ticket_id)
            # "số 45 đường Lê Lợi" was hidden as a home address; it is
            # where the tree stands: the leader restores it
            self.assertEqual(ticket.public_question, ticket.content.replace(
                    "số 45 đường Lê Lợi", "[đã ẩn]"))
            ticket.public_question = ticket.content
            ticket.save()
            ticket.click('approve')
            ticket.click('publish')
            self.assertEqual(ticket.state, 'published')
        self.assertEqual(problems, [])

        # Days later, on another device: tracking needs code and phone
        page, problems = self.new_page()
        page.goto(self.url + '/')
        with self.navigation(page):
            page.locator('nav.menu a[href="/tra-cuu"]').click()
        self.check_layout(page, 'track', layout)
        page.locator('#code').fill(code.lower())
        page.locator('#phone').fill('0903111222')
        with self.navigation(page):
            page.locator('main form button[type=submit]').click()
        case_url = self.url + '/tra-cuu/' + code
        self.assertEqual(page.url, case_url)
        steps = page.locator('ol.timeline li strong').all_inner_texts()
        expected = [_("Received by the hotline"),
            _("Forwarded to the unit in charge"),
            _("Being handled by the unit"), _("Answer published")]
        self.assertEqual([s for s in steps if s in expected], expected,
            steps)
        text = self.main_text(page)
        self.assertIn("Sở Xây dựng", text)
        self.assertIn(result, text)
        self.assertGreater(page.locator('input[name=value]').count(), 0)
        self.check_layout(page, 'case', layout)

        # The answers, searched without diacritics
        with self.navigation(page):
            page.locator('nav.menu a[href="/cau-tra-loi"]').click()
        page.locator('#q').fill('cay xanh NGHIENG le loi')
        with self.navigation(page):
            page.locator('#q').press('Enter')
        self.assertIn('q=cay+xanh+NGHIENG+le+loi', page.url)
        title = ("Cây xanh trước số 45 đường Lê Lợi bị nghiêng, có nguy "
            "cơ đổ khi mưa bão.")
        card = page.locator('.cards .card a', has_text=title)
        self.assertEqual(card.count(), 1,
            page.locator('main').inner_text())
        self.assertEqual(page.locator('.cards .card').count(), 1)
        self.check_layout(page, 'answers', layout)
        with self.navigation(page):
            card.click()
        answer_url = page.url
        self.assertRegex(answer_url,
            r'/cau-tra-loi/\d+-cay-xanh-truoc-so-duong-le-loi-bi-nghieng')
        self.assertEqual(page.locator('h1').inner_text(), title)
        text = self.main_text(page)
        self.assertIn("Trần T. B.", text)
        self.assertIn(result, text)
        self.assertIn(values['matter_place'], text)
        self.assertIn("Đề nghị cắt tỉa và chằng chống gấp", text)
        html = page.content()
        for private in ["Trần Thị Bình", '0903', '903111222', '903 111 222',
                'binh.tran@example.vn', "78 Nguyễn Huệ", code,
                "ảnh cây nghiêng"]:
            self.assertNotIn(private, html)
        self.check_layout(page, 'answer', layout)

        # Back to the case: rate on the scale shown, then ask
        with self.navigation(page):
            page.goto(case_url)
        choices = page.locator('input[name=value]')
        scale = [choices.nth(i).get_attribute('value')
            for i in range(choices.count())]
        self.assertTrue(set(scale) <= {
                'very_satisfied', 'satisfied', 'acceptable',
                'not_satisfied'}, scale)
        value = scale[0]
        label = choices.nth(0).locator('xpath=..').inner_text().strip()
        choices.nth(0).check()
        page.locator('#reason').fill("Xử lý nhanh, cây đã được chằng chống.")
        with self.navigation(page):
            page.locator('form[action$="/danh-gia"] button').click()
        self.assertEqual(page.url, case_url + '#danh-gia')
        self.assertEqual(page.locator('input[name=value]').count(), 0)
        self.assertIn(_("You rated this answer: %(value)s.", value=label),
            self.main_text(page))
        question = "Khi nào các cây còn lại trên đường Lê Lợi được cắt tỉa?"
        page.locator('#question').fill(question)
        with self.navigation(page):
            page.locator('form[action$="/hoi-them"] button').click()
        self.assertEqual(page.url, case_url + '#hoi-them')
        followup = page.locator('#hoi-them .followup')
        self.assertEqual(followup.count(), 1)
        self.assertIn(question, followup.inner_text())
        self.assertIn(_("Waiting for the unit's answer."),
            followup.inner_text())
        self.check_layout(page, 'case-rated', layout)

        # The unit sees both, and answers the question
        reply = "Các cây còn lại sẽ được cắt tỉa trước ngày 30/11."
        with self.backoffice('spec_a') as config:
            Rating = self.model(config, 'pakn.portal.rating')
            rating, = Rating.find([('ticket', '=', ticket_id)])
            self.assertEqual(rating.value, value)
            self.assertEqual(rating.reason,
                "Xử lý nhanh, cây đã được chằng chống.")
            self.assertEqual(rating.unit.id, units['construction'])
            FollowUp = self.model(config, 'pakn.portal.followup')
            followup, = FollowUp.find([('ticket', '=', ticket_id)])
            self.assertEqual(followup.question, question)
            self.assertEqual(followup.unit.id, units['construction'])
            self.assertEqual(followup.state, 'open')
            followup.answer = reply
            followup.click('reply')
            self.assertEqual(followup.state, 'answered')

        # The answer is public, and the citizen reads it on the case
        with self.navigation(page):
            page.goto(answer_url)
        section = page.locator('section[aria-labelledby=followups-title]')
        self.assertIn(question, section.inner_text())
        self.assertIn(reply, section.inner_text())
        self.check_layout(page, 'answer-followup', layout)
        with self.navigation(page):
            page.goto(case_url)
        self.assertIn(reply, page.locator('#hoi-them').inner_text())

        # The statistics count it
        with self.navigation(page):
            page.locator('nav.menu a[href="/thong-ke"]').click()
        self.assertGreater(page.locator('svg.chart').count(), 0)
        self.assertIn("Sở Xây dựng", self.main_text(page))
        self.assertEqual(page.locator(
                'section[aria-labelledby=satisfaction-title] table').count(),
            1)
        self.check_layout(page, 'statistics', layout)

        self.assertEqual(problems, [], '\n'.join(problems))
        self.assertEqual(layout, [], '\n'.join(layout))

    def test_accessibility(self):
        "axe-core: no serious or critical WCAG 2 A/AA violation"
        # axe is injected as a script: only this context ignores the CSP
        page, problems = self.new_page(width=1280, height=800,
            bypass_csp=True)
        published = self.data['cases']['published']
        found = []

        def audit(name):
            page.add_script_tag(path=AXE)
            for width, height in VIEWPORTS:
                page.set_viewport_size({'width': width, 'height': height})
                for violation in page.evaluate(AXE_JS):
                    if violation['impact'] in {'serious', 'critical'}:
                        found.append('%s at %s px: %s (%s) %s: %s' % (
                                name, width, violation['id'],
                                violation['impact'], violation['help'],
                                ', '.join(violation['targets'][:8])))

        page.goto(self.url + '/')
        audit('home')
        with self.navigation(page):
            page.goto(self.url + '/gui-phan-anh')
        audit('submit')
        with self.navigation(page, status=400):
            page.locator('main form button[type=submit]').click()
        audit('submit-errors')
        with self.navigation(page):
            page.goto(self.url + '/tra-cuu')
        audit('track')
        page.locator('#code').fill(published['code'])
        page.locator('#phone').fill(self.data['phone'])
        with self.navigation(page):
            page.locator('main form button[type=submit]').click()
        # The case with its rating and follow-up forms
        self.assertGreater(page.locator('input[name=value]').count(), 0)
        self.assertEqual(page.locator('#question').count(), 1)
        audit('case')
        # Rated, so that the statistics show their table of satisfaction
        page.locator('input[name=value]').first.check()
        with self.navigation(page):
            page.locator('form[action$="/danh-gia"] button').click()
        self.assertEqual(page.locator('input[name=value]').count(), 0)
        audit('case-rated')
        with self.navigation(page):
            page.goto(self.url + '/cau-tra-loi?q=duong')
        self.assertGreater(page.locator('.cards .card').count(), 0)
        audit('answers')
        with self.navigation(page):
            page.goto(self.url + '/cau-tra-loi/%s' % published['publication'])
        audit('answer')
        with self.navigation(page):
            page.goto(self.url + '/thong-ke')
        self.assertEqual(page.locator(
                'section[aria-labelledby=satisfaction-title] table').count(),
            1)
        audit('statistics')
        self.assertEqual(found, [], '\n'.join(found))
        self.assertEqual(problems, [], '\n'.join(problems))

    def test_without_javascript(self):
        "The submission works in a browser without JavaScript"
        page, problems = self.new_page(java_script_enabled=False)
        with self.navigation(page):
            page.goto(self.url + '/gui-phan-anh')
        # Instead of the suggestions, a link to search the answers
        self.assertTrue(page.locator(
                'main .hint a[href="/cau-tra-loi"]').is_visible())
        values = {
            'submitter_name': "Lê Văn Cường",
            'submitter_phone': '0905 222 333',
            'content': "Rác thải tồn đọng ở chợ Hòa Khánh nhiều ngày, bốc "
            "mùi hôi.",
            'matter_place': "Chợ Hòa Khánh",
            }
        self.fill_submission(page, values)
        page.locator('#attachments').set_input_files(files=[{
                    'name': 'rác.png', 'mimeType': 'image/png',
                    'buffer': make_png(8, 8)}])
        code = self.consent_and_send(page)
        with self.backoffice('operator') as config:
            ticket, = self.model(config, 'pakn.ticket').find(
                [('code', '=', code)])
            self.assertEqual(ticket.state, 'received')
            self.assertEqual(ticket.submitter_name, "Lê Văn Cường")
            self.assertEqual(ticket.submitter_phone, '+84905222333')
            self.assertEqual(ticket.content, values['content'])
            self.assertEqual(len(self.model(config, 'ir.attachment').find(
                        [('resource', '=', 'pakn.ticket,%s' % ticket.id)])),
                1)
        self.assertEqual(problems, [], '\n'.join(problems))

    def assertAnonymous(self, headers):
        servers = headers.get_all('Server') or []
        for value in servers:
            for name in SERVER_NAMES:
                self.assertNotIn(name, value.lower())
        self.assertEqual(servers, [])

    def test_server_header_pages(self):
        "A page, a static file and a missing page do not name the server"
        with urllib.request.urlopen(self.url + '/', timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertIn('text/html', response.headers['Content-Type'])
            self.assertAnonymous(response.headers)
        with urllib.request.urlopen(
                self.url + '/static/portal.css', timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertAnonymous(response.headers)
        for path in ['/khong-co-trang-nay']:
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(self.url + path, timeout=10)
            self.assertEqual(cm.exception.code, 404)
            self.assertAnonymous(cm.exception.headers)
            cm.exception.close()

    def test_server_header_malformed_request(self):
        "The server's own answer to a bad request line does not name it"
        with socket.create_connection(('127.0.0.1', self.port), 10) as sock:
            # four words: HTTP/1.1 is understood, then the line refused
            sock.sendall(b'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n')
            answer = b''
            while chunk := sock.recv(4096):
                answer += chunk
        head = answer.split(b'\r\n\r\n', 1)[0].decode('latin-1')
        self.assertRegex(head.split('\r\n')[0], r'^HTTP/1\.[01] 400 ')
        lines = [line.lower() for line in head.split('\r\n')[1:]]
        self.assertFalse(
            [line for line in lines if line.startswith("server:")], head)
        self.assertNotIn('werkzeug', answer.decode('latin-1').lower())
