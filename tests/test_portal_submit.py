# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Submit: a citizen sends a case with files, sends it again, from
another browser, in NFD; missing fields, invalid phones and bad files
are refused and nothing is saved (the submit blueprint)"""
import datetime as dt
import io
import re

from . import portal_case
from .portal_fixture import PNG

PDF = b'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff' + b'\x00' * 200


class PortalSubmitTestCase(portal_case.PortalTestCase):
    "Submitting a case"
    area = 'submit'

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

    # Refused

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
