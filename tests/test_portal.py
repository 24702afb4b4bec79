# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public portal through Flask's test client, over a database created
by trytond-admin and filled as the staff would (portal_fixture.py), on the
backend of the run (SQLite file or PostgreSQL). Every route, and the bad
input a citizen or an attacker may send."""
import datetime as dt
import html
import io
import os
import re
import unittest

from trytond import config
from trytond.pool import Pool
from trytond.transaction import Transaction

from .portal_fixture import PERSONAL_CONTENT, PNG
from .trytond_server import TrytonServer

FIXTURE = os.path.join(os.path.dirname(__file__), 'portal_fixture.py')
DATABASE = 'test_portal_flask'
PDF = b'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff' + b'\x00' * 200
# Pool.stop before flask-tryton replaced it
_frozen = []
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PortalTestCase(unittest.TestCase):
    "The Flask portal"

    @classmethod
    def setUpClass(cls):
        cls.server = TrytonServer(DATABASE, FIXTURE).start(serve=False)
        cls.data = cls.server.data
        cls.cases = cls.data['cases']
        cls._path = config.get('database', 'path')
        config.set('database', 'path', cls.server.tmp)
        _frozen.append(Pool.__dict__['stop'])
        from trytond.modules.pakn_portal.site import create_app
        cls.app = create_app({
                'TRYTON_DATABASE': DATABASE,
                'SECRET_KEY': 'portal-test-secret',
                'PORTAL_STATISTICS_CACHE': 0,
                }, instance_path=cls.server.tmp)
        cls.app.add_url_rule('/test-crash', 'crash', crash)
        cls.address = 0

    @classmethod
    def tearDownClass(cls):
        # flask-tryton freezes the pool of the process; unfreeze it
        Pool.stop = _frozen.pop()
        Pool.stop(DATABASE)
        if cls._path is not None:
            config.set('database', 'path', cls._path)
        cls.server.stop()

    def setUp(self):
        self.client = self.app.test_client()
        self.new_visitor()

    def new_visitor(self):
        """Come from another address, so the rate limits of one test (at
        most 5 submissions a minute) do not fall on the next"""
        type(self).address += 1
        self.client.environ_base['REMOTE_ADDR'] = (
            '10.0.%d.%d' % divmod(self.address, 250))

    # Helpers

    def transaction(self, language='vi', **extras):
        return Transaction().start(DATABASE, 0, readonly=False,
            context={'language': language}, **extras)

    def pool(self):
        return Pool(DATABASE)

    def count(self, model, domain=None):
        with self.transaction():
            return self.pool().get(model).search_count(domain or [])

    def token(self, path='/gui-phan-anh'):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return CSRF.search(response.text).group(1)

    def tryton_message(self, message_id, **variables):
        "The Vietnamese text of a message of the Tryton modules"
        from trytond.i18n import gettext
        with self.transaction():
            vi = gettext(message_id, **variables)
        with self.transaction('en'):
            en = gettext(message_id, **variables)
        self.assertNotEqual(vi, en, "%s has no Vietnamese text" % message_id)
        return vi

    def site_message(self, text, **variables):
        "The Vietnamese text of a message of the site"
        from flask_babel import gettext
        with self.app.test_request_context('/'):
            vi = gettext(text, **variables)
        self.assertNotEqual(vi, text, "%r has no Vietnamese text" % text)
        return vi

    def assertShows(self, response, text):
        self.assertIn(text, html.unescape(response.text))

    def submission(self, **values):
        data = {
            'csrf_token': self.token(),
            'submitter_type': 'person',
            'submitter_name': "Trần Thị Bình",
            'submitter_phone': '0903 111 222',
            'submitter_email': 'binh@example.vn',
            'submitter_address': "45 Nguyễn Huệ",
            'content': "Cây xanh trước số 45 Nguyễn Huệ bị nghiêng, có nguy "
            "cơ đổ khi mưa bão.",
            'matter_place': "45 Nguyễn Huệ",
            'matter_time': '2026-11-20T07:30',
            'consent': 'on',
            }
        data.update(values)
        return {k: v for k, v in data.items() if v is not None}

    def track(self, case, phone=None):
        code = self.cases[case]['code']
        return self.client.post('/tra-cuu', data={
                'csrf_token': self.token('/tra-cuu'),
                'code': code,
                'phone': phone or self.data['phone'],
                })

    def assert_nothing_saved(self, before):
        self.assertEqual(self.count('pakn.ticket'), before[0])
        self.assertEqual(self.count('ir.attachment'), before[1])

    def counts(self):
        return self.count('pakn.ticket'), self.count('ir.attachment')

    # Every page

    def test_pages(self):
        "Every public page answers in Vietnamese with the security headers"
        publication = self.cases['published']['publication']
        for path in [
                '/', '/gui-phan-anh', '/tra-cuu', '/tra-cuu/PAKN-1',
                '/cau-tra-loi', '/cau-tra-loi?q=ngap',
                '/cau-tra-loi/%s' % publication, '/thong-ke',
                '/thong-ke?nam=2020', '/goi-y?q=duong+le+loi+ngap']:
            response = self.client.get(path, follow_redirects=True)
            self.assertEqual(response.status_code, 200, path)
            headers = response.headers
            csp = headers['Content-Security-Policy']
            self.assertIn("script-src 'self'", csp)
            self.assertNotIn('unsafe-inline', csp)
            self.assertEqual(headers['X-Frame-Options'], 'DENY')
            self.assertEqual(headers['X-Content-Type-Options'], 'nosniff')
            if path.startswith('/goi-y'):
                continue
            self.assertIn('<html lang="vi">', response.text)
            # No inline script or style: the CSP would block them
            self.assertNotRegex(response.text, r'<script(?![^>]*\bsrc=)')
            self.assertNotRegex(response.text, r'\sstyle=')
            self.assertNotRegex(response.text, r'\son[a-z]+=')
        for path in ['/static/portal.css', '/static/portal.js',
                '/static/favicon.svg']:
            response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            response.close()
        response = self.client.get('/favicon.ico')
        self.assertEqual(response.status_code, 301)

    def test_not_found_and_errors(self):
        "Unknown pages and errors show a page of the site, no traceback"
        response = self.client.get('/cau-tra-loi/999999')
        self.assertEqual(response.status_code, 404)
        self.assertIn(self.site_message("Page not found"), response.text)
        with self.assertLogs('trytond.modules.pakn_portal.site', 'ERROR'):
            response = self.client.get('/test-crash')
        self.assertEqual(response.status_code, 500)
        self.assertIn(self.site_message("Something went wrong"),
            response.text)
        self.assertNotIn('Traceback', response.text)
        self.assertNotIn('ZeroDivisionError', response.text)

    # Submit

    def test_submit(self):
        "A citizen submits with files and gets the code and the next steps"
        before = self.counts()
        data = self.submission(attachments=[
                (io.BytesIO(PNG), 'ảnh cây.PNG'),
                (io.BytesIO(PDF), '../../etc/đơn.pdf'),
                ])
        response = self.client.post('/gui-phan-anh', data=data,
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.location.endswith('/gui-phan-anh/da-gui'))
        page = self.client.get(response.location)
        code = re.search(r'id="tracking-code">([^<]+)<', page.text).group(1)
        self.assertRegex(code, r'^PAKN-\d{4}-\d{6}-[A-Z2-9]{3}$')
        with self.transaction():
            pool = self.pool()
            Ticket = pool.get('pakn.ticket')
            Configuration = pool.get('pakn.configuration')
            ticket, = Ticket.search([('code', '=', code)])
            self.assertEqual(ticket.channel.code, 'web')
            self.assertEqual(ticket.state, 'received')
            self.assertEqual(ticket.submitter_phone, '+84903111222')
            self.assertEqual(ticket.submitter_name, "Trần Thị Bình")
            self.assertEqual(ticket.matter_place, "45 Nguyễn Huệ")
            # 07:30 in Vietnam is 00:30 UTC
            self.assertEqual(ticket.matter_time,
                dt.datetime(2026, 11, 20, 0, 30))
            self.assertIsNone(ticket.operator)
            self.assertIsNotNone(ticket.consent_at)
            self.assertFalse(ticket.confidential)
            self.assertEqual(
                sorted((a.name, a.pakn_kind, bytes(a.data))
                    for a in ticket.attachments),
                [('đơn.pdf', 'submission', PDF),
                    ('ảnh cây.png', 'submission', PNG)])
            stages = [s.name for s in Configuration(1).sla_profile.stages
                if s.track == 'normal']
        self.assertTrue(stages)
        for stage in stages:
            self.assertIn(stage, page.text)
        self.assertEqual(self.counts(), (before[0] + 1, before[1] + 2))
        # The submitter can follow the case at once
        page = self.client.get('/tra-cuu/' + code)
        self.assertIn(self.site_message("Received by the hotline"),
            page.text)

    def test_submit_again(self):
        "The same content from the same phone gives the first case"
        first = self.client.post('/gui-phan-anh', data=self.submission(
                content="Rác thải tồn đọng ở chợ Hòa Khánh nhiều ngày."))
        self.assertEqual(first.status_code, 303)
        code = re.search(r'id="tracking-code">([^<]+)<',
            self.client.get(first.location).text).group(1)
        before = self.counts()
        again = self.client.post('/gui-phan-anh', data=self.submission(
                content="  rác thải tồn đọng ở chợ Hòa Khánh   nhiều ngày. ",
                submitter_phone='+84 903 111 222'))
        self.assertEqual(again.status_code, 303)
        page = self.client.get(again.location)
        self.assertIn(code, page.text)
        self.assertIn(self.site_message("You have already sent this"),
            page.text)
        self.assertEqual(self.counts(), before)
        # Other content is a new case
        other = self.client.post('/gui-phan-anh', data=self.submission(
                content="Rác thải tồn đọng ở chợ Hòa Khánh, lần khác."))
        self.assertEqual(other.status_code, 303)
        self.assertEqual(self.counts()[0], before[0] + 1)

    # Duplicates and normalised text

    def browser(self):
        "Another browser: its own cookie jar, from its own address"
        client = self.app.test_client()
        type(self).address += 1
        client.environ_base['REMOTE_ADDR'] = (
            '10.1.%d.%d' % divmod(self.address, 250))
        return client

    def submit_with(self, client, **values):
        "Submit with the client; return the response and the pages seen"
        self.client, saved = client, self.client
        try:
            response = self.client.post('/gui-phan-anh',
                data=self.submission(**values),
                content_type='multipart/form-data')
        finally:
            self.client = saved
        self.assertEqual(response.status_code, 303, response.text)
        page = client.get(response.location)
        self.assertEqual(page.status_code, 200)
        code = re.search(r'id="tracking-code">([^<]+)<', page.text).group(1)
        return code, [response.text, response.location, page.text]

    def test_submit_duplicate_other_browser(self):
        "Another browser sending the same never learns the first case"
        content = "Ống cấp nước trước chợ Cồn bị vỡ, nước chảy tràn ra đường."
        phone = '0905 222 333'
        first, second = self.browser(), self.browser()
        code, _ = self.submit_with(first, content=content,
            submitter_phone=phone)
        before = self.counts()
        other, pages = self.submit_with(second,
            content="  " + content.upper() + " ", submitter_phone=phone,
            submitter_name="Người khác",
            attachments=[(io.BytesIO(PNG), 'ảnh vỡ ống.png')])
        self.assertNotEqual(other, code)
        # A new case with the file, a normal confirmation
        self.assertEqual(self.counts(), (before[0] + 1, before[1] + 1))
        self.assertIn(self.site_message(
                "Thank you, your case has been received"), pages[2])
        self.assertNotIn(self.site_message("You have already sent this"),
            pages[2])
        # Its own tracking page, and the first's unreachable
        own = second.get('/tra-cuu/' + other)
        self.assertIn(self.site_message("Received by the hotline"),
            own.text)
        pages.append(own.text)
        foreign = second.get('/tra-cuu/' + code)
        self.assertNotIn(self.site_message("Received by the hotline"),
            foreign.text)
        self.assertNotIn('/tra-cuu/%s/' % code, foreign.text)
        for page in pages:
            self.assertNotIn(code, page)
        # The back office has both, the second linked to the first
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            ticket, = Ticket.search([('code', '=', other)])
            self.assertEqual(ticket.duplicate_of.code, code)
            self.assertEqual(ticket.state, 'received')
            self.assertEqual(ticket.submitter_name, "Người khác")
            self.assertEqual([a.name for a in ticket.attachments],
                ['ảnh vỡ ống.png'])
            ticket_id = ticket.id
        # Each browser sending again gets its own case, nothing more
        for client, expected in [(second, other), (first, code)]:
            again, pages = self.submit_with(client, content=content,
                submitter_phone=phone)
            self.assertEqual(again, expected)
            self.assertIn(self.site_message("You have already sent this"),
                pages[2])
        self.assertEqual(self.counts(), (before[0] + 1, before[1] + 1))
        # Once the operator confirms the duplicate, its tracking page says
        # so without naming the other case
        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(self.data['users']['operator']):
                Ticket.mark_duplicate([Ticket(ticket_id)])
        page = second.get('/tra-cuu/' + other)
        self.assertIn(self.site_message(
                "Already handled in another case"), page.text)
        self.assertShows(page, self.site_message(
                "A case with the same content was already received: it is "
                "handled there."))
        self.assertNotIn(code, page.text)

    def publish_case(self, ticket_id, result):
        "Handle and publish the case as the staff of construction would"
        users = self.data['users']
        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(users['operator']):
                Ticket.write([Ticket(ticket_id)], {
                        'lead_unit': self.data['units']['construction']})
                Ticket.forward([Ticket(ticket_id)])
            with transaction.set_user(users['spec_a']):
                Ticket.accept([Ticket(ticket_id)])
                Ticket.write([Ticket(ticket_id)], {'result': result})
                Ticket.submit([Ticket(ticket_id)])
            with transaction.set_user(users['leader_a']):
                Ticket.approve([Ticket(ticket_id)])
                Ticket.publish([Ticket(ticket_id)])

    def test_submit_nfd(self):
        "A case sent in NFD is found in NFC and NFD, its mask keeps marks"
        import unicodedata

        def nfd(text):
            return unicodedata.normalize('NFD', text)
        name = "Nguyễn Thị Ánh"
        content = ("Cột điện nghiêng gần chợ Quỳnh Lưu, dây điện võng "
            "thấp sát mái nhà.")
        code, _ = self.submit_with(self.client,
            submitter_name='\u202e' + nfd(name) + '\u200b',
            content=nfd(content) + '\u2066',
            submitter_address=nfd("17 Quỳnh Lưu"),
            attachments=[(io.BytesIO(PNG), nfd('cột điện') + '\u202egnp.png')])
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            for query in [name, nfd(name)]:
                found = Ticket.search([
                        ('submitter_name', 'ilike', '%' + query + '%')])
                self.assertEqual([t.code for t in found], [code])
            ticket, = found
            self.assertEqual(ticket.submitter_name, name)
            self.assertEqual(ticket.content, content)
            self.assertEqual([a.name for a in ticket.attachments],
                ['cột điệngnp.png'])
            ticket_id = ticket.id
        self.publish_case(ticket_id,
            "Điện lực đã dựng lại cột và căng lại dây gần chợ Quỳnh Lưu.")
        with self.transaction():
            Publication = self.pool().get('pakn.portal.publication')
            publication, = Publication.search([('ticket', '=', ticket_id)])
            number = publication.id

        def results(query):
            response = self.client.get('/cau-tra-loi',
                query_string={'q': query})
            self.assertEqual(response.status_code, 200)
            return re.findall(r'href="/cau-tra-loi/(\d+)-', response.text)
        for query in ["Quỳnh Lưu võng", "quynh luu vong", "cột điện"]:
            with self.subTest(query=query):
                self.assertIn(str(number), results(query))
                self.assertEqual(results(nfd(query)), results(query))
                self.assertEqual(results(nfd(query) + '\u200b'),
                    results(query))
        similar = self.client.get('/goi-y', query_string={
                'q': nfd("cột điện nghiêng gần chợ Quỳnh Lưu")})
        self.assertIn('/cau-tra-loi/%s-' % number, similar.text)
        page = self.client.get('/cau-tra-loi/%s' % number,
            follow_redirects=True)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Nguyễn T. Á.", page.text)
        self.assertNotIn(name, page.text)

    def test_submit_missing_fields(self):
        "Each missing field is named in Vietnamese; nothing is saved"
        before = self.counts()
        for name, message in [
                ('submitter_name', 'pakn_portal.msg_submit_name_required'),
                ('submitter_phone', 'pakn_portal.msg_submit_phone_required'),
                ('content', 'pakn_portal.msg_submit_content_required'),
                ]:
            with self.subTest(name=name):
                response = self.client.post('/gui-phan-anh',
                    data=self.submission(**{name: '   '}))
                self.assertEqual(response.status_code, 400)
                self.assertShows(response, self.tryton_message(message))
                self.assertIn('id="%s-error"' % name, response.text)
                # What was typed is kept
                self.assertIn("Trần Thị Bình" if name != 'submitter_name'
                    else "Cây xanh trước số 45", response.text)
        response = self.client.post('/gui-phan-anh',
            data=self.submission(consent=None))
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.site_message(
                "Please tick this box: we cannot handle your case "
                "without it."))
        # An empty form: every mistake is shown at once
        self.new_visitor()
        response = self.client.post('/gui-phan-anh', data={
                'csrf_token': self.token()})
        self.assertEqual(response.status_code, 400)
        for name in ['submitter_name', 'submitter_phone', 'content',
                'consent']:
            self.assertIn('id="%s-error"' % name, response.text)
        response = self.client.post('/gui-phan-anh',
            data=self.submission(matter_time='hôm qua'))
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="matter_time-error"', response.text)
        self.assert_nothing_saved(before)

    def test_submit_invalid_phone(self):
        "An invalid phone is refused with its message; nothing is saved"
        before = self.counts()
        for phone in ['12345', '0912-ABC', '+1 202 555 0100 99']:
            with self.subTest(phone=phone):
                response = self.client.post('/gui-phan-anh',
                    data=self.submission(submitter_phone=phone))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertShows(response, self.tryton_message(
                        'pakn_helpdesk.msg_phone_invalid', phone=phone))
        response = self.client.post('/gui-phan-anh',
            data=self.submission(submitter_email='not-an-email'))
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_helpdesk.msg_email_invalid', email='not-an-email'))
        self.assertIn('id="submitter_email-error"', response.text)
        self.assert_nothing_saved(before)

    def test_submit_bad_files(self):
        "Files are checked by their content and size; nothing is saved"
        before = self.counts()
        response = self.client.post('/gui-phan-anh', data=self.submission(
                attachments=[(io.BytesIO(PNG), 'ok.png'),
                    (io.BytesIO(EXE), 'anh.jpg')]),
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_upload_type', name='anh.jpg'))
        self.assertIn('id="attachments-error"', response.text)

        response = self.client.post('/gui-phan-anh', data=self.submission(
                attachments=[(io.BytesIO(b'just text'), 'a.pdf')]),
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 400)

        response = self.client.post('/gui-phan-anh', data=self.submission(
                attachments=[(io.BytesIO(PNG), 'a%d.png' % i)
                    for i in range(6)]),
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_upload_too_many', count=5))

        big = PNG + b'\x00' * (1024 * 1024)
        lock = {'_lock_tables': ['pakn_configuration']}
        with self.transaction(**lock) as transaction:
            Configuration = self.pool().get('pakn.configuration')
            Configuration.write([Configuration(1)],
                {'portal_max_file_size': 1})
            transaction.commit()
        try:
            response = self.client.post('/gui-phan-anh',
                data=self.submission(
                    attachments=[(io.BytesIO(big), 'lon.png')]),
                content_type='multipart/form-data')
        finally:
            with self.transaction(**lock) as transaction:
                Configuration.write([Configuration(1)],
                    {'portal_max_file_size': 10})
                transaction.commit()
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_upload_size', name='lon.png', size=1))

        # Beyond what the server reads at all
        limit = self.app.config['MAX_CONTENT_LENGTH']
        self.app.config['MAX_CONTENT_LENGTH'] = 64 * 1024
        try:
            response = self.client.post('/gui-phan-anh', data=self.submission(
                    attachments=[(io.BytesIO(big), 'lon.png')]),
                content_type='multipart/form-data')
        finally:
            self.app.config['MAX_CONTENT_LENGTH'] = limit
        self.assertEqual(response.status_code, 413)
        self.assertIn(self.site_message("The files are too large"),
            response.text)
        self.assert_nothing_saved(before)

    def test_odd_input(self):
        "Odd input gets a page of the site, never an error of the server"
        before = self.counts()
        response = self.client.post('/gui-phan-anh', data=self.submission(
                content="Ổ gà lớn " * 2500))
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="content-error"', response.text)
        self.assertShows(response, self.site_message(
                "This is longer than %(count)s characters: please shorten "
                "it, or attach the text as a PDF file.", count=20000))
        self.assertEqual(self.counts(), before)
        response = self.client.post('/gui-phan-anh', data=self.submission(
                submitter_name="Lê\x00 Văn Tám", content="Ổ gà\x00 lớn " * 1000,
                submitter_type='admin', field='99999999999'))
        self.assertEqual(response.status_code, 303)
        code = re.search(r'id="tracking-code">([^<]+)<',
            self.client.get(response.location).text).group(1)
        with self.transaction():
            ticket, = self.pool().get('pakn.ticket').search([
                    ('code', '=', code)])
            self.assertEqual(ticket.submitter_name, "Lê Văn Tám")
            self.assertEqual(ticket.submitter_type, 'person')
            self.assertIsNone(ticket.field)
            self.assertNotIn('\x00', ticket.content)
        for path in ['/cau-tra-loi/99999999999999999999',
                '/cau-tra-loi/2147483648-x', '/tra-cuu/%00%00',
                '/tra-cuu/' + 'A' * 5000, '/cau-tra-loi?q=%00' + 'a' * 5000,
                '/goi-y?q=%00%00%00%00%00%00%00%00%00',
                '/thong-ke?nam=99999999', '/tep/' + 'x' * 3000]:
            response = self.client.get(path)
            self.assertIn(response.status_code, {200, 404}, path)
        response = self.client.post('/tra-cuu', data={
                'csrf_token': self.token('/tra-cuu'),
                'code': 'PAKN-2026-000001-A\x00', 'phone': '09\x001'})
        self.assertEqual(response.status_code, 404)

    def test_csrf(self):
        "A form without its token, or with a forged one, is refused"
        before = self.counts()
        data = self.submission()
        del data['csrf_token']
        for token in [None, 'forged']:
            if token:
                data['csrf_token'] = token
            response = self.client.post('/gui-phan-anh', data=data)
            self.assertEqual(response.status_code, 400)
            self.assertIn(self.site_message("The form has expired"),
                response.text)
        response = self.client.post('/tra-cuu', data={
                'code': self.cases['published']['code'],
                'phone': self.data['phone']})
        self.assertEqual(response.status_code, 400)
        self.assert_nothing_saved(before)

    def test_escaped(self):
        "What citizens write is shown escaped, on every page"
        response = self.client.post('/gui-phan-anh', data=self.submission(
                submitter_name='<script>alert(1)</script>', consent=None))
        self.assertEqual(response.status_code, 400)
        self.assertNotIn('<script>alert(1)', response.text)
        self.assertIn('&lt;script&gt;alert(1)&lt;/script&gt;', response.text)
        case = self.cases['published_script']
        response = self.client.get('/cau-tra-loi/%s' % case['publication'],
            follow_redirects=True)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("<script>alert('xss')", response.text)
        self.assertIn('&lt;script&gt;', response.text)
        self.assertNotIn('<b>ngày 20/11</b>', response.text)
        self.assertIn('&lt;b&gt;ngày 20/11&lt;/b&gt;', response.text)
        response = self.client.get('/cau-tra-loi?q=den+chieu+sang')
        self.assertNotIn("<script>alert('xss')", response.text)
        self.assertIn('Đèn chiếu sáng', response.text)

    # Track

    def test_track(self):
        "The submitter follows the case: the public steps only"
        response = self.track('open')
        self.assertEqual(response.status_code, 303)
        page = self.client.get(response.location)
        self.assertEqual(page.status_code, 200)
        text = page.text
        for step in ["Received by the hotline",
                "Forwarded to the unit in charge",
                "Being handled by the unit", "Handling time extended"]:
            self.assertIn(self.site_message(step), text)
        self.assertIn("Sở Xây dựng", text)
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            ticket = Ticket(self.cases['open']['id'])
            extension, = ticket.extensions
            promised = extension.promised
        local = promised.replace(tzinfo=dt.timezone.utc).astimezone(
            dt.timezone(dt.timedelta(hours=7)))
        self.assertIn(local.strftime('%d/%m/%Y %H:%M'), text)
        # The reason of the extension and the staff are not shown
        self.assertNotIn("Cần lấy mẫu nước", text)
        self.assertNotIn('spec_a', text)

        response = self.track('rejected')
        page = self.client.get(response.location)
        self.assertIn("Ông/Bà gửi đơn tố cáo đến Thanh tra tỉnh.",
            page.text)

        # An urgent incident: the check and the temporary fix, with its text
        response = self.track('urgent')
        page = self.client.get(response.location)
        for step in ["Checked by the hotline", "Temporary fix carried out"]:
            self.assertIn(self.site_message(step), page.text)
        self.assertIn("Đã cưa, dọn cây đổ và thông đường lúc 10 giờ.",
            page.text)

        # On a shared device the submitter leaves the case
        url = '/tra-cuu/' + self.cases['rejected']['code']
        response = self.client.post(url + '/thoat', data={
                'csrf_token': CSRF.search(page.text).group(1)})
        self.assertEqual(response.status_code, 303)
        page = self.client.get(url)
        self.assertNotIn("Thanh tra tỉnh", page.text)
        self.assertIn('name="phone"', page.text)
        # The case of the other code stays open in the session
        page = self.client.get('/tra-cuu/' + self.cases['open']['code'])
        self.assertIn("Sở Xây dựng", page.text)
        # The page after a submission needs one
        self.client.delete_cookie('pakn_session')
        response = self.client.get('/gui-phan-anh/da-gui')
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/gui-phan-anh'))

    def test_track_wrong_phone(self):
        "A wrong phone or an unknown code reveal nothing, alike"
        wrong = self.track('published', phone=self.data['other_phone'])
        self.assertEqual(wrong.status_code, 404)
        for secret in ["Đường Lê Lợi", "Sở Xây dựng", "Nguyễn Văn", "nạo vét"]:
            self.assertNotIn(secret, wrong.text)
        unknown = self.client.post('/tra-cuu', data={
                'csrf_token': self.token('/tra-cuu'),
                'code': 'PAKN-2026-999999-ZZZ', 'phone': self.data['phone']})
        self.assertEqual(unknown.status_code, 404)

        def normal(text):
            text = CSRF.sub('', text)
            return re.sub(r'PAKN-[-A-Z0-9]+', 'CODE', text)
        self.assertEqual(normal(wrong.text), normal(unknown.text))
        # Without proving it, the case page shows the form only
        page = self.client.get(
            '/tra-cuu/' + self.cases['published']['code'])
        self.assertNotIn("Sở Xây dựng", page.text)
        # A state-secret case cannot be tracked at all
        secret = self.client.post('/tra-cuu', data={
                'csrf_token': self.token('/tra-cuu'),
                'code': self.cases['secret']['code'], 'phone': ''})
        self.assertEqual(secret.status_code, 404)
        # Rating and follow-up need the proof too
        for action in ['danh-gia', 'hoi-them']:
            response = self.client.post('/tra-cuu/%s/%s' % (
                    self.cases['published']['code'], action), data={
                    'csrf_token': self.token('/tra-cuu'),
                    'value': 'satisfied', 'question': "?"})
            self.assertEqual(response.status_code, 403)

    def test_rate_limits(self):
        "Tracking and submitting are limited per address"
        codes = []
        for i in range(12):
            response = self.client.post('/tra-cuu', data={
                    'csrf_token': self.token('/tra-cuu'),
                    'code': 'PAKN-2026-%06d-ABC' % i, 'phone': '0912345678'})
            codes.append(response.status_code)
        self.assertEqual(codes[:10], [404] * 10)
        self.assertEqual(codes[10:], [429, 429])
        self.assertIn(self.site_message("Too many requests"),
            response.text)
        # Another address is not limited
        self.client.environ_base['REMOTE_ADDR'] = '10.9.9.9'
        response = self.track('published')
        self.assertEqual(response.status_code, 303)

        self.client.environ_base['REMOTE_ADDR'] = '10.9.9.10'
        statuses = [self.client.post('/gui-phan-anh', data=self.submission(
                    consent=None)).status_code for _ in range(6)]
        self.assertEqual(statuses, [400] * 5 + [429])

    # Published answers

    def test_answers_search(self):
        "The list finds answers without diacritics and with filters"
        published = self.cases['published']
        title = "Đường Lê Lợi bị ngập sâu sau mỗi trận mưa."

        def found(query):
            response = self.client.get('/cau-tra-loi?' + query)
            self.assertEqual(response.status_code, 200, query)
            return title in response.text
        for query in ['q=duong+ngap', 'q=%C4%91%C6%B0%E1%BB%9Dng+ng%E1%BA%ADp',
                'q=LE+LOI', 'q=nao+vet', 'q=ngap+', '',
                'q=duong&linh_vuc=%s' % self.field('nuoc'),
                'q=duong&don_vi=%s' % self.data['units']['construction'],
                'q=duong&kenh=%s' % self.channel('web'),
                'tu_ngay=2020-01-01&den_ngay=2099-12-31',
                'trang=abc&don_vi=xyz&tu_ngay=31/12',
                'tu_ngay=0001-01-01&den_ngay=9999-12-31',
                # Punctuation alone is no condition
                'q=%25', "q='%3B--",
                ]:
            self.assertTrue(found(query), query)
        for query in ['q=duong+ngap+benh+vien', 'q=thu+tien+sai',
                'don_vi=%s' % self.data['units']['health'],
                'kenh=%s' % self.channel('email'),
                'den_ngay=2020-01-01', 'trang=2', 'trang=99999999']:
            self.assertFalse(found(query), query)
        # Shareable URLs: the number and a slug of the title
        response = self.client.get('/cau-tra-loi/%s' % published[
                'publication'])
        self.assertEqual(response.status_code, 301)
        self.assertRegex(response.location,
            r'/cau-tra-loi/%s-duong-le-loi-bi-ngap' % published[
                'publication'])
        response = self.client.get(response.location)
        self.assertEqual(response.status_code, 200)

    def test_answer_page(self):
        "The public page: question, answer, evidence; no personal data"
        number = self.cases['published']['publication']
        response = self.client.get('/cau-tra-loi/%s' % number,
            follow_redirects=True)
        text = response.text
        self.assertIn("Nguyễn V. A.", text)
        self.assertIn("Sở Xây dựng đã nạo vét 200 m cống", text)
        self.assertIn("Đường Lê Lợi, phường Hải Châu", text)
        for private in ["Nguyễn Văn An", "0912", "912345678",
                "an.nguyen@example.vn", "12 Lê Lợi, phường Hải Châu",
                'ghi-chu-noi-bo', self.cases['published']['code']]:
            self.assertNotIn(private, text)
        links = re.findall(r'href="(/tep/[^"]+)"', text)
        self.assertEqual(len(links), 1)
        self.assertIn('anh-nao-vet.png', text)
        evidence = self.client.get(links[0])
        self.assertEqual(evidence.status_code, 200)
        self.assertEqual(evidence.data, PNG)
        self.assertEqual(evidence.headers['Content-Type'], 'image/png')
        self.assertIn('sandbox', evidence.headers['Content-Security-Policy'])
        for forged in [links[0][:-2] + 'xx', '/tep/WzEsIDJd.abc',
                '/tep/1']:
            self.assertEqual(self.client.get(forged).status_code, 404)

    def test_answer_page_redacted(self):
        "Personal data typed into a question is hidden, in page and URL"
        case = self.cases['published_personal']
        number = case['publication']
        personal = ["Trần Thị Bình", "25 đường Hoàng Diệu", "048190012345",
            "0905 123 456", "0905123456", "binh.tran@example.vn"]
        response = self.client.get('/cau-tra-loi/%s' % number)
        self.assertEqual(response.status_code, 301)
        location = response.location
        # the slug has letters only: no digits of the content
        self.assertRegex(location,
            r'/cau-tra-loi/%s-rac-tap-ket-truoc-nha-toi-o-phuong-phuoc-'
            r'ninh[a-z-]*$' % number)
        self.assertNotRegex(location.split('%s-' % number, 1)[1], r'\d')
        page = self.client.get(location)
        self.assertEqual(page.status_code, 200)
        text = html.unescape(page.text)
        self.assertIn("Rác tập kết trước nhà tôi ở [đã ẩn], phường Phước "
            "Ninh gây hôi thối. Tôi là [đã ẩn], CCCD [đã ẩn], xin liên hệ "
            "[đã ẩn] hoặc [đã ẩn].", text)
        for private in personal:
            self.assertNotIn(private, text)
        self.assertNotIn('binh', location)
        # nor in the list, the search or the suggestions
        for path in ['/cau-tra-loi', '/cau-tra-loi?q=hoang+dieu',
                '/cau-tra-loi?q=phuoc+ninh', '/goi-y?q=rac+phuoc+ninh']:
            response = self.client.get(path)
            self.assertEqual(response.status_code, 200)
            for private in personal:
                self.assertNotIn(private, html.unescape(response.text))
        for query in ['binh', '048190012345', 'example']:
            response = self.client.get('/cau-tra-loi?q=' + query)
            self.assertNotIn('/cau-tra-loi/%s-' % number, response.text)
        # the original stays in the case, and the publication says who
        # hid what
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            ticket = Ticket(case['id'])
            self.assertEqual(ticket.content, PERSONAL_CONTENT)
            self.assertEqual(
                [(r.kind, r.data, r.original, r.user.login)
                    for r in ticket.redactions], [
                    ('detected', 'address', "số 25 đường Hoàng Diệu",
                        'leader_a'),
                    ('manual', None, "Trần Thị Bình", 'leader_a'),
                    ('detected', 'id_number', "048190012345", 'leader_a'),
                    ('detected', 'phone', "0905 123 456", 'leader_a'),
                    ('detected', 'email', "binh.tran@example.vn",
                        'leader_a'),
                    ])

    def test_confidential_never_public(self):
        "Confidential and state-secret cases are nowhere public"
        self.assertIsNone(self.cases['confidential']['publication'])
        self.assertIsNone(self.cases['secret']['publication'])
        with self.transaction():
            Publication = self.pool().get('pakn.portal.publication')
            numbers = [p.id for p in Publication.search([])]
            ticket_ids = {p.ticket.id for p in Publication.search([])}
        self.assertNotIn(self.cases['confidential']['id'], ticket_ids)
        self.assertNotIn(self.cases['secret']['id'], ticket_ids)
        for number in range(1, max(numbers) + 10):
            response = self.client.get('/cau-tra-loi/%s' % number,
                follow_redirects=True)
            self.assertNotIn("thu tiền sai quy định", response.text)
            self.assertNotIn("xử lý cán bộ vi phạm", response.text)
        for path in ['/', '/cau-tra-loi', '/cau-tra-loi?q=thu+tien',
                '/goi-y?q=can+bo+xa+tien+duong+thu+tien+sai+quy+dinh']:
            response = self.client.get(path)
            self.assertNotIn("thu tiền sai", response.text)
        # Its submitter reads the answer when tracking it
        response = self.track('confidential')
        page = self.client.get(response.location)
        self.assertIn("Sở đã kiểm tra và xử lý cán bộ vi phạm.", page.text)
        self.assertIn(self.site_message("Answer sent to you"), page.text)

    def test_suggest(self):
        "Published answers similar to the text typed are offered"
        response = self.client.get(
            '/goi-y?q=Đường+Lê+Lợi+ngập+nước+khi+mưa')
        self.assertEqual(response.status_code, 200)
        self.assertIn("Đường Lê Lợi bị ngập sâu", response.text)
        self.assertIn('/cau-tra-loi/%s-' % self.cases['published'][
                'publication'], response.text)
        response = self.client.get('/goi-y?q=abc')
        self.assertNotIn('<li>', response.text)

    # Rating and follow-up

    def test_rating_and_followup(self):
        "The submitter rates once and asks; the unit's answer is public"
        code = self.cases['published']['code']
        self.assertEqual(self.track('published').status_code, 303)
        url = '/tra-cuu/' + code
        token = self.token(url)
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            scale = Ticket(self.cases['published']['id']).rating_values()
        off_scale = ('acceptable' if 'acceptable' not in scale
            else 'very_satisfied')
        response = self.client.post(url + '/danh-gia', data={
                'csrf_token': token, 'value': off_scale})
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_rating_value', ticket=code))
        response = self.client.post(url + '/danh-gia', data={
                'csrf_token': token, 'value': 'satisfied',
                'reason': "Xử lý nhanh."})
        self.assertEqual(response.status_code, 303)
        page = self.client.get(url)
        self.assertNotIn('name="value"', page.text)
        response = self.client.post(url + '/danh-gia', data={
                'csrf_token': token, 'value': 'not_satisfied',
                'reason': "Đổi ý."})
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_rating_once'))
        with self.transaction():
            Rating = self.pool().get('pakn.portal.rating')
            rating, = Rating.search([
                    ('ticket', '=', self.cases['published']['id'])])
            self.assertEqual(rating.value, 'satisfied')
            self.assertEqual(rating.unit.id,
                self.data['units']['construction'])

        response = self.client.post(url + '/hoi-them', data={
                'csrf_token': token, 'question': 'Tại sao? ' * 500})
        self.assertEqual(response.status_code, 400)
        self.assertIn('id="followup-error"', response.text)
        response = self.client.post(url + '/hoi-them', data={
                'csrf_token': token, 'question': '   '})
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.tryton_message(
                'pakn_portal.msg_followup_question_required'))
        response = self.client.post(url + '/hoi-them', data={
                'csrf_token': token,
                'question': "Khi nào nạo vét đoạn còn lại?"})
        self.assertEqual(response.status_code, 303)
        page = self.client.get(url)
        self.assertIn("Khi nào nạo vét đoạn còn lại?", page.text)
        self.assertIn(self.site_message("Waiting for the unit's answer."),
            page.text)
        public = '/cau-tra-loi/%s' % self.cases['published']['publication']
        self.assertNotIn("Khi nào nạo vét",
            self.client.get(public, follow_redirects=True).text)

        # The unit answers it in the back office
        with self.transaction() as transaction:
            pool = self.pool()
            FollowUp = pool.get('pakn.portal.followup')
            followup, = FollowUp.search([
                    ('ticket', '=', self.cases['published']['id'])])
            self.assertEqual(followup.unit.id,
                self.data['units']['construction'])
            with transaction.set_user(self.data['users']['spec_a']):
                followup = FollowUp(followup.id)
                followup.answer = "Đoạn còn lại xong trước 30/11."
                followup.save()
                FollowUp.reply([followup])
            transaction.commit()
        text = self.client.get(public, follow_redirects=True).text
        self.assertIn("Khi nào nạo vét đoạn còn lại?", text)
        self.assertIn("Đoạn còn lại xong trước 30/11.", text)

    # Statistics

    def test_statistics(self):
        "The statistics count the cases, as charts and as tables"
        with self.transaction():
            pool = self.pool()
            Ticket = pool.get('pakn.ticket')
            tickets = Ticket.search([])
            year = max(t.received_at for t in tickets).year
            total = len([t for t in tickets if t.received_at.year == year])
            construction = len([t for t in tickets
                    if t.received_at.year == year and t.lead_unit
                    and t.lead_unit.id == self.data['units']['construction']])
            # all received this year: the cases to handle are those
            # received; late: a final limit passed, answered or not
            late = len([t for t in tickets
                    if t.received_at.year == year and t.late])
        response = self.client.get('/thong-ke?nam=%s' % year)
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn('<svg', text)
        self.assertIn('<rect', text)
        self.assertRegex(text, r'>\s*%s\s*<' % total)
        self.assertRegex(text,
            r'<td>Sở Xây dựng</td><td class="num">%s</td>' % construction)
        for heading in ["Cases by month", "Cases by field",
                "Cases by unit in charge", "Cases by channel",
                "Handling by unit", "Satisfaction by unit",
                "To handle", "Late"]:
            self.assertIn(self.site_message(heading), text)
        self.assertIn(self.site_message(
                "Handled on time: %(rate)s of the %(count)s cases to "
                "handle in %(year)s; %(late)s late.",
                rate='%.0f%%' % (100 * (1 - late / total)), count=total,
                year=year, late=late), html.unescape(text))
        for private in ["Nguyễn Văn An", "0912", "thu tiền sai"]:
            self.assertNotIn(private, text)

    # Language

    def test_language(self):
        "English on request; the redirect stays on the site"
        # The words of the rating scale follow the language of each page
        response = self.track('published')
        case = response.location
        self.assertIn(self.site_message("Satisfied"),
            self.client.get(case).text)
        response = self.client.get('/ngon-ngu/en?next=/cau-tra-loi')
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.location.endswith('/cau-tra-loi'))
        page = self.client.get('/cau-tra-loi')
        self.assertIn('<html lang="en">', page.text)
        self.assertIn("Published answers", page.text)
        self.assertIn("Satisfied", self.client.get(case).text)
        self.assertNotIn(self.site_message("Satisfied"),
            self.client.get(case).text)
        for target in ['https://evil.example/', '//evil.example/',
                'javascript:alert(1)']:
            response = self.client.get('/ngon-ngu/vi',
                query_string={'next': target})
            self.assertEqual(response.location, '/')
        page = self.client.get('/cau-tra-loi')
        self.assertIn('<html lang="vi">', page.text)

    def field(self, code):
        with self.transaction():
            Field = self.pool().get('pakn.field')
            return Field.search([('code', '=', code)])[0].id

    def channel(self, code):
        with self.transaction():
            Channel = self.pool().get('pakn.channel')
            return Channel.search([('code', '=', code)])[0].id


def crash():
    1 / 0
