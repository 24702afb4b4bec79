# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Site-wide: every page and its security headers, the error pages, the
forms' CSRF tokens, escaping, odd input, the rate limits and the
language (the common blueprint and what every blueprint shares)"""
import re

from . import portal_case


class PortalCommonTestCase(portal_case.PortalTestCase):
    "The pages of no area, and what every page shares"
    area = 'common'

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

    # Bad input

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
                submitter_name="Lê\x00 Văn Tám",
                content="Ổ gà\x00 lớn " * 1000,
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
