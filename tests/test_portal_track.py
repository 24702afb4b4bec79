# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Track: the submitter follows a case with its code and phone, rates the
answer and asks follow-up questions (the track blueprint)"""
import datetime as dt
import re

from . import portal_case
from .portal_case import CSRF


class PortalTrackTestCase(portal_case.PortalTestCase):
    "Tracking a case"
    area = 'track'

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
