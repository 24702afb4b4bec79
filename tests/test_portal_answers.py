# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Answers: the published answers, searched and filtered, their pages and
evidence files; personal data and confidential cases never shown
(the answers blueprint)"""
import html
import re

from . import portal_case
from .portal_fixture import PERSONAL_CONTENT, PNG


class PortalAnswersTestCase(portal_case.PortalTestCase):
    "The published answers"
    area = 'answers'

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

    def field(self, code):
        with self.transaction():
            Field = self.pool().get('pakn.field')
            return Field.search([('code', '=', code)])[0].id

    def channel(self, code):
        with self.transaction():
            Channel = self.pool().get('pakn.channel')
            return Channel.search([('code', '=', code)])[0].id
