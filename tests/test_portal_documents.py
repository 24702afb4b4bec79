# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Documents: the Annex I answer PDF downloaded from the tracking page and
the public answer page, and the page "Kiểm tra văn bản" that checks a
signed answer (the documents blueprint), over a database where pakn_report
is activated; and the same pages where it is not"""
import io
import re

from . import portal_case
from .portal_case import CSRF

REPORT = ('pakn_helpdesk', 'pakn_sms', 'pakn_portal', 'pakn_report')
CHECK = '/kiem-tra-van-ban'
CONFIGURATION = 'pakn_configuration'


class PortalDocumentsTestCase(portal_case.PortalTestCase):
    "The answer PDF and its check, with pakn_report"
    area = 'documents'
    modules = REPORT

    def annex(self, case):
        "The bytes of the stored Annex I PDF of the case"
        with self.transaction():
            Ticket = self.pool().get('pakn.ticket')
            return Ticket(self.cases[case]['id']).annex_pdf()

    def assertPdf(self, response, code, cache):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/pdf')
        self.assertTrue(response.data.startswith(b'%PDF'))
        disposition = response.headers['Content-Disposition']
        self.assertTrue(disposition.startswith('attachment'), disposition)
        self.assertIn('filename=%s-tra-loi.pdf' % code, disposition)
        for directive in cache:
            self.assertIn(directive, response.headers['Cache-Control'])

    # Download from the tracking page

    def test_tracking_download(self):
        "The submitter who proved the case downloads its answer PDF"
        case = self.cases['confidential']
        code = case['code']
        url = '/tra-cuu/%s/tra-loi.pdf' % code
        stored = self.annex('confidential')
        self.assertTrue(stored.startswith(b'%PDF'))

        # Not before proving the case; not from another session
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.track('confidential').status_code, 303)
        page = self.client.get('/tra-cuu/' + code)
        self.assertIn('href="%s"' % url, page.text)
        self.assertIn(self.site_message("Download the answer (PDF)"),
            page.text)
        response = self.client.get(url)
        self.assertPdf(response, code, ['private', 'no-store'])
        self.assertEqual(response.data, stored)
        self.assertNotIn('public', response.headers['Cache-Control'])

        other = self.app.test_client()
        other.environ_base['REMOTE_ADDR'] = '10.9.9.9'
        self.assertEqual(other.get(url).status_code, 403)
        # The submitter of another case, proved in its own session
        token = CSRF.search(other.get('/tra-cuu').text).group(1)
        response = other.post('/tra-cuu', data={
                'csrf_token': token,
                'code': self.cases['published_script']['code'],
                'phone': self.data['other_phone']})
        self.assertEqual(response.status_code, 303)
        own = other.get('/tra-cuu/%s/tra-loi.pdf'
            % self.cases['published_script']['code'])
        self.assertPdf(own, self.cases['published_script']['code'],
            ['private'])
        self.assertNotEqual(own.data, stored)
        for path in [url, url.upper(), url.replace(code, code.lower())]:
            response = other.get(path)
            self.assertIn(response.status_code, (403, 404), path)
            self.assertNotIn(b'%PDF', response.data)
        # A wrong phone proves nothing either
        response = other.post('/tra-cuu', data={
                'csrf_token': token, 'code': code,
                'phone': self.data['other_phone']})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(other.get(url).status_code, 403)

        # Leaving the case on a shared device ends the access
        self.client.post('/tra-cuu/%s/thoat' % code, data={
                'csrf_token': CSRF.search(page.text).group(1)})
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_tracking_no_pdf(self):
        "A case without an answer has no answer PDF: no link, 404"
        code = self.cases['rejected']['code']
        self.assertIsNone(self.annex('rejected'))
        self.assertEqual(self.track('rejected').status_code, 303)
        page = self.client.get('/tra-cuu/' + code)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('tra-loi.pdf', page.text)
        self.assertEqual(
            self.client.get('/tra-cuu/%s/tra-loi.pdf' % code).status_code,
            404)

    # Download from the public answer page

    def test_public_download(self):
        "A published answer's PDF is public; never that of another case"
        case = self.cases['published']
        number = case['publication']
        page = self.client.get('/cau-tra-loi/%s' % number,
            follow_redirects=True)
        url = '/cau-tra-loi/%s/tra-loi.pdf' % number
        self.assertIn('href="%s"' % url, page.text)
        response = self.client.get(url)
        self.assertPdf(response, case['code'], ['public'])
        self.assertEqual(response.data, self.annex('published'))

        # No number gives the PDF of the confidential case
        private = self.annex('confidential')
        self.assertIsNotNone(private)
        with self.transaction():
            Publication = self.pool().get('pakn.portal.publication')
            numbers = [p.id for p in Publication.search([])]
        for number in range(0, max(numbers) + 5):
            response = self.client.get('/cau-tra-loi/%s/tra-loi.pdf' % number)
            self.assertNotEqual(response.data, private)
            if number not in numbers:
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.client.get(
                '/cau-tra-loi/99999999999/tra-loi.pdf').status_code, 404)

    def test_public_download_after_publication(self):
        """Approved, the answer has its PDF but is not public: no public
        page, no PDF; once published both are; withdrawn, neither"""
        case = self.cases['open']
        users = self.data['users']
        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(users['spec_a']):
                Ticket.write([Ticket(case['id'])], {
                        'result': "Nước đã được xử lý, đạt quy chuẩn."})
                Ticket.submit([Ticket(case['id'])])
            with transaction.set_user(users['leader_a']):
                Ticket.approve([Ticket(case['id'])])
        stored = self.annex('open')
        self.assertTrue(stored.startswith(b'%PDF'))

        def public_pdfs():
            "The PDFs the public pages serve, by publication number"
            with self.transaction():
                Publication = self.pool().get('pakn.portal.publication')
                numbers = [p.id for p in Publication.search([])]
            found = {}
            for number in range(1, max(numbers) + 5):
                response = self.client.get(
                    '/cau-tra-loi/%s/tra-loi.pdf' % number)
                if response.status_code == 200:
                    found[number] = response.data
            return found
        self.assertNotIn(stored, public_pdfs().values())
        # Nor does the submitter get it before the answer is sent
        self.assertEqual(self.track('open').status_code, 303)
        page = self.client.get('/tra-cuu/' + case['code'])
        self.assertNotIn('tra-loi.pdf', page.text)
        self.assertEqual(self.client.get(
                '/tra-cuu/%s/tra-loi.pdf' % case['code']).status_code, 404)

        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(users['leader_a']):
                Ticket.publish([Ticket(case['id'])])
            Publication = self.pool().get('pakn.portal.publication')
            publication, = Publication.search(
                [('ticket', '=', case['id'])])
            number = publication.id
        page = self.client.get('/cau-tra-loi/%s' % number,
            follow_redirects=True)
        self.assertIn('href="/cau-tra-loi/%s/tra-loi.pdf"' % number,
            page.text)
        self.assertEqual(public_pdfs().get(number), stored)
        page = self.client.get('/tra-cuu/' + case['code'])
        self.assertIn('tra-loi.pdf', page.text)

        # Made confidential: withdrawn from the public pages at once
        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(users['leader_a']):
                Ticket.change_confidentiality(
                    Ticket(case['id']), True, "Yêu cầu giữ bí mật.")
        self.assertNotIn(stored, public_pdfs().values())
        self.assertEqual(self.client.get(
                '/cau-tra-loi/%s/tra-loi.pdf' % number).status_code, 404)
        # its submitter still has it
        self.assertEqual(self.client.get(
                '/tra-cuu/%s/tra-loi.pdf' % case['code']).data, stored)

    # The check page

    def upload(self, data, name='tra-loi.pdf', token=True):
        values = {'document': (io.BytesIO(data), name)}
        if token:
            values['csrf_token'] = self.token(CHECK)
        return self.client.post(CHECK, data=values,
            content_type='multipart/form-data')

    def test_check_form(self):
        "The form: a file input for a PDF, with its token; no script needed"
        page = self.client.get(CHECK)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.site_message("Check a document"), page.text)
        self.assertIn('enctype="multipart/form-data"', page.text)
        self.assertRegex(page.text, r'<input[^>]+type="file"[^>]+'
            r'accept="application/pdf,.pdf"')
        self.assertIn('name="csrf_token"', page.text)
        self.assertNotIn('<script', page.text)

    def test_check_refused_uploads(self):
        "No token, no file, not a PDF, too large: each said in Vietnamese"
        pdf = self.annex('published')
        response = self.upload(pdf, token=False)
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.site_message(
                "The form has expired"))
        self.assertNotIn(self.site_message("Valid document"),
            response.text)

        response = self.upload(b'PK\x03\x04 not a PDF', name='van-ban.pdf')
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.site_message(
                "This file is not a PDF document. Choose the PDF file of "
                "the answer as you received or downloaded it."))

        # A PDF header on what is not a PDF: refused by the check
        response = self.upload(b'%PDF-1.7\n' + b'\x00garbage' * 50)
        self.assertEqual(response.status_code, 200)
        self.assertShows(response, self.site_message(
                "Document not confirmed"))
        self.assertShows(response, self.tryton_message(
                'pakn_report.msg_check_not_pdf'))

        response = self.client.post(CHECK, data={
                'csrf_token': self.token(CHECK)})
        self.assertEqual(response.status_code, 400)
        self.assertShows(response, self.site_message(
                "Choose the PDF file of the answer to check."))

        big = b'%PDF-1.4\n' + b'0' * (10 * 1024 * 1024)
        response = self.upload(big)
        self.assertEqual(response.status_code, 413)
        self.assertShows(response, self.site_message(
                "The file is larger than %(size)s MB, the largest that can "
                "be checked.", size=10))


    def configure_signing(self, unit):
        """Build an offline PKI with a timestamp authority on loopback,
        trust its root and give unit its signing certificate, as the
        administrator would; return the PKI and the PKCS#12 password"""
        from trytond.modules.pakn_report.tests.test_signing import (
            PASSWORD,
            PKI,
            TimestampServer,
        )
        pki = PKI()
        tsa = TimestampServer(pki.timestamper)
        self.addCleanup(tsa.close)
        # the configuration is a singleton, written under a table lock
        with self.transaction(_lock_tables=[CONFIGURATION]):
            pool = self.pool()
            Configuration = pool.get('pakn.configuration')
            TrustRoot = pool.get('pakn.report.trust_root')
            Unit = pool.get('pakn.unit')
            Configuration.write([Configuration(1)], {
                    'signing_tsa_url': tsa.url})
            TrustRoot.create([{
                        'name': "Test National Root CA",
                        'certificate': pki.pem(pki.root.cert),
                        }])
            Unit.write([Unit(unit)], {
                    'signing_method': 'pkcs12',
                    'signing_pkcs12': pki.pkcs12(pki.signer),
                    'signing_password': PASSWORD,
                    })
        self.addCleanup(self.unconfigure_signing, unit)
        return pki, PASSWORD

    def unconfigure_signing(self, unit):
        # the configuration is a singleton, written under a table lock
        with self.transaction(_lock_tables=[CONFIGURATION]):
            pool = self.pool()
            Configuration = pool.get('pakn.configuration')
            TrustRoot = pool.get('pakn.report.trust_root')
            Unit = pool.get('pakn.unit')
            TrustRoot.delete(TrustRoot.search([]))
            Unit.write([Unit(unit)], {
                    'signing_method': None, 'signing_pkcs12': None,
                    'signing_password': None})
            Configuration.write([Configuration(1)], {
                    'signing_tsa_url': None})

    def test_check_signed(self):
        """A signed answer is valid, with its unit, date and case; a copy
        with one byte altered is refused, and so is the unsigned one"""
        import datetime as dt
        import logging

        from trytond.modules.pakn_report.signature import sign_pdf

        logger = logging.getLogger('pyhanko')
        self.addCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.CRITICAL)
        case = self.cases['published_script']
        unsigned = self.annex('published_script')
        pki, passphrase = self.configure_signing(
            self.data['units']['health'])
        signed = sign_pdf(unsigned, pki.pkcs12(pki.signer), passphrase,
            timestamper=pki.timestamper)
        now = dt.datetime.now(dt.timezone.utc)

        response = self.upload(signed)
        self.assertEqual(response.status_code, 200)
        self.assertShows(response, self.site_message("Valid document"))
        self.assertShows(response, self.site_message(
                "This document is an answer signed by %(unit)s and has not "
                "been altered since it was signed.", unit="Sở Y tế"))
        self.assertIn(case['code'], response.text)
        # the time of the timestamp, local (UTC+7), to the minute
        local = now.astimezone(dt.timezone(dt.timedelta(hours=7)))
        shown = {(local + dt.timedelta(minutes=m)).strftime(
                '%d/%m/%Y %H:%M') for m in (-1, 0, 1)}
        self.assertTrue(any(s in response.text for s in shown),
            (shown, response.text))
        # Nothing personal: not the name in the certificate
        self.assertNotIn("Nguyễn Văn An", response.text)

        # One byte altered inside the signed data
        start = signed.index(b'stream', 200) + 20
        altered = bytearray(signed)
        altered[start] ^= 0x01
        response = self.upload(bytes(altered))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(self.site_message("Valid document"), response.text)
        self.assertShows(response, self.site_message(
                "Document not confirmed"))
        self.assertShows(response, self.tryton_message(
                'pakn_report.msg_check_altered'))
        self.assertNotIn(case['code'], response.text)

        # The answer as stored, not signed
        response = self.upload(unsigned)
        self.assertShows(response, self.site_message(
                "Document not confirmed"))
        self.assertShows(response, self.tryton_message(
                'pakn_report.msg_check_not_signed'))

        # Signed by a certificate of the trusted chain but of no unit
        other = sign_pdf(unsigned, pki.pkcs12(pki.government.issue(
                    "Người ký khác", "Đơn vị khác")), passphrase,
            timestamper=pki.timestamper)
        response = self.upload(other)
        self.assertShows(response, self.site_message(
                "Document not confirmed"))
        self.assertShows(response, self.tryton_message(
                'pakn_report.msg_check_unknown_unit'))
        self.assertNotIn("Người ký khác", response.text)

        # What is shown is escaped
        with self.transaction():
            Unit = self.pool().get('pakn.unit')
            Unit.write([Unit(self.data['units']['health'])], {
                    'name': "Sở Y tế <b>tỉnh</b>"})
        self.addCleanup(self.rename_unit, self.data['units']['health'],
            "Sở Y tế")
        response = self.upload(signed)
        self.assertIn("Sở Y tế &lt;b&gt;tỉnh&lt;/b&gt;", response.text)
        self.assertNotIn("<b>tỉnh</b>", response.text)

    def rename_unit(self, unit, name):
        with self.transaction():
            Unit = self.pool().get('pakn.unit')
            Unit.write([Unit(unit)], {'name': name})

    def test_check_signed_at_approval(self):
        """The answer signed at approval with the unit's certificate,
        downloaded by its submitter, is valid on the check page"""
        case = self.cases['urgent']
        users = self.data['users']
        self.configure_signing(self.data['units']['construction'])
        with self.transaction() as transaction:
            Ticket = self.pool().get('pakn.ticket')
            with transaction.set_user(users['spec_a']):
                Ticket.write([Ticket(case['id'])], {
                        'result': "Đã trồng lại cây mới, đường thông."})
                Ticket.submit([Ticket(case['id'])])
            with transaction.set_user(users['leader_a']):
                Ticket.approve([Ticket(case['id'])])
                Ticket.publish([Ticket(case['id'])])
        self.assertEqual(self.track('urgent').status_code, 303)
        response = self.client.get('/tra-cuu/%s/tra-loi.pdf' % case['code'])
        self.assertPdf(response, case['code'], ['no-store'])
        response = self.upload(response.data)
        self.assertShows(response, self.site_message(
                "This document is an answer signed by %(unit)s and has not "
                "been altered since it was signed.", unit="Sở Xây dựng"))
        self.assertIn(case['code'], response.text)

    def test_check_rate_limit(self):
        "Checks are limited per address like tracking"
        token = self.token(CHECK)
        statuses = []
        for _ in range(11):
            response = self.client.post(CHECK, data={
                    'csrf_token': token,
                    'document': (io.BytesIO(b'not a PDF'), 'a.pdf')},
                content_type='multipart/form-data')
            statuses.append(response.status_code)
        self.assertEqual(statuses[:10], [400] * 10)
        self.assertEqual(statuses[10], 429)
        # Reading the form is not limited
        self.assertEqual(self.client.get(CHECK).status_code, 200)


class PortalDocumentsWithoutReportTestCase(portal_case.PortalTestCase):
    "Without pakn_report: no PDF, no check page"
    area = 'documents_plain'

    def test_without_report(self):
        "Every page of documents answers 404, no link is shown"
        self.assertEqual(self.client.get(CHECK).status_code, 404)
        response = self.client.post(CHECK, data={
                'csrf_token': self.token('/tra-cuu'),
                'document': (io.BytesIO(b'%PDF-1.4'), 'a.pdf')},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, 404)
        case = self.cases['published']
        self.assertEqual(self.track('published').status_code, 303)
        page = self.client.get('/tra-cuu/' + case['code'])
        self.assertIn("Sở Xây dựng", page.text)
        self.assertNotIn('tra-loi.pdf', page.text)
        self.assertEqual(self.client.get(
                '/tra-cuu/%s/tra-loi.pdf' % case['code']).status_code, 404)
        page = self.client.get('/cau-tra-loi/%s' % case['publication'],
            follow_redirects=True)
        self.assertEqual(page.status_code, 200)
        self.assertFalse(re.search(r'tra-loi\.pdf|kiem-tra-van-ban',
                page.text))
        self.assertEqual(self.client.get('/cau-tra-loi/%s/tra-loi.pdf'
                % case['publication']).status_code, 404)
