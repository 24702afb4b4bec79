# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Portal-side records: the public projection of a case, the rating of an
answer on the profile's scale, follow-up questions answered by the unit."""
import datetime as dt

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.exceptions import TicketRoleError
from trytond.modules.pakn_helpdesk.tests.vietnamese import (
    load_vietnamese,
    missing_translations,
)
from trytond.modules.pakn_portal.exceptions import (
    FollowUpError,
    RatingError,
    SubmissionError,
    UploadError,
)
from trytond.modules.pakn_portal.publication import (
    fold,
    make_title,
    mask_name,
    slugify,
)
from trytond.modules.pakn_portal.upload import detect, safe_name
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

T0 = dt.datetime(2026, 11, 16, 2, 0)


class PortalTestCase(ModuleTestCase):
    "Test PAKN Portal module"
    module = 'pakn_portal'

    def setup_world(self, profile='GL2021'):
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        ModelData = pool.get('ir.model.data')
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', profile)])
        config.save()
        specialist = ModelData.get_id('pakn_helpdesk', 'group_specialist')
        leader = ModelData.get_id('pakn_helpdesk', 'group_leader')
        self.focal, self.head, self.other = User.create([
                {'login': 'focal', 'name': "Đầu mối",
                    'groups': [('add', [specialist])]},
                {'login': 'head', 'name': "Thủ trưởng",
                    'groups': [('add', [leader])]},
                {'login': 'other', 'name': "Đầu mối Sở Y tế",
                    'groups': [('add', [specialist])]},
                ])
        self.unit, self.other_unit = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    'focal_points': [('add', [self.focal.id])],
                    'leaders': [('add', [self.head.id])],
                    }, {
                    'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                    'focal_points': [('add', [self.other.id])],
                    }])

    def case(self, until='published', **values):
        "A case taken through its life up to the state until"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        with Transaction().set_context(pakn_now=T0):
            ticket, = Ticket.create([{
                        'channel': ModelData.get_id(
                            'pakn_helpdesk', 'channel_web'),
                        'submitter_name': "Nguyễn Văn An",
                        'submitter_phone': '0912345678',
                        'submitter_address': "1 Lê Lợi",
                        'content': "Đường ngập sau mưa",
                        'lead_unit': self.unit.id,
                        **values,
                        }])
            if until == 'received':
                return ticket
            Ticket.forward([ticket])
            with Transaction().set_user(self.focal.id):
                Ticket.accept([ticket])
                Ticket.write([ticket], {'result': "Đã nạo vét cống."})
                Ticket.submit([ticket])
            with Transaction().set_user(self.head.id):
                Ticket.approve([ticket])
                if until == 'published':
                    Ticket.publish([ticket])
                elif until == 'sent_privately':
                    Ticket.send_privately([ticket])
        return Ticket(ticket.id)

    def test_mask_name(self):
        "People are shown by family name and initials"
        for name, masked in [
                ("Nguyễn Văn An", "Nguyễn V. A."),
                ("Lò Văn Pọm", "Lò V. P."),
                ("  Đặng   Thị Thu  Hà ", "Đặng T. T. H."),
                ("Minh", "M."),
                ("", ""),
                (None, ""),
                ]:
            with self.subTest(name=name):
                self.assertEqual(mask_name(name), masked)

    def test_fold_slug_title(self):
        "Text is folded for search and slugs; titles cut at a word"
        self.assertEqual(
            fold("Đường NGẬP ở Hòa Khánh"), "duong ngap o hoa khanh")
        self.assertEqual(
            slugify("Đèn chiếu sáng <hỏng>!"), "den-chieu-sang-hong")
        self.assertEqual(slugify("!!!"), "phan-anh")
        self.assertEqual(make_title("Cống tắc. Nước tràn vào nhà."),
            "Cống tắc.")
        title = make_title("Đường " * 40)
        self.assertLessEqual(len(title), 111)
        self.assertTrue(title.endswith("Đường…"))

    def test_upload_detection(self):
        "Files are recognised by their content, not their name"
        png = bytes.fromhex('89504e470d0a1a0a0000000d49484452')
        self.assertEqual(detect(png)[:2], ('image', 'png'))
        self.assertEqual(detect(b'%PDF-1.7\n')[:2], ('document', 'pdf'))
        self.assertEqual(detect(b'ID3\x04' + b'\x00' * 60)[0], 'audio')
        mp4 = b'\x00\x00\x00\x18ftypmp42' + b'\x00' * 40
        self.assertEqual(detect(mp4)[0], 'video')
        for data in [b'MZ\x90\x00' + b'\x00' * 100, b'plain text',
                b'PK\x03\x04' + b'\x00' * 100, b'']:
            self.assertIsNone(detect(data))
        self.assertEqual(safe_name('../../x/ảnh 1.JPG', 'jpg'), 'ảnh 1.jpg')
        self.assertEqual(safe_name('a.exe', 'png'), 'a.png')
        self.assertEqual(safe_name('<>', 'png'), 'tep.png')

    @with_transaction()
    def test_publication(self):
        "Publishing writes the public row; searching ignores diacritics"
        pool = Pool()
        Publication = pool.get('pakn.portal.publication')
        self.setup_world()
        published = self.case(content="Đường Lê Lợi bị ngập sâu. Xin xử lý.")
        other = self.case(content="Đèn chiếu sáng hỏng ở chợ Hàn.")
        self.case('sent_privately', confidential=True,
            content="Đường Lê Lợi ngập, tôi xin giữ bí mật.")
        self.case('approved', content="Đường Lê Lợi ngập chưa công bố.")
        publication, = Publication.search([('ticket', '=', published.id)])
        self.assertEqual(publication.title, "Đường Lê Lợi bị ngập sâu.")
        self.assertEqual(publication.submitter, "Nguyễn V. A.")
        self.assertEqual(publication.unit, self.unit)
        self.assertEqual(publication.answer, published.answer_text)
        self.assertEqual(Publication.search_count([]), 2)

        def search(**kwargs):
            return Publication.portal_search(**kwargs)
        ids = [publication.id]
        self.assertEqual(search(text="duong ngap")[0], ids)
        self.assertEqual(search(text="ĐƯỜNG NGẬP")[0], ids)
        self.assertEqual(search(text="le loi nga")[0], ids)
        self.assertEqual(search(text="duong benh vien")[0], [])
        self.assertEqual(search(text="den cho han")[0],
            [Publication.search([('ticket', '=', other.id)])[0].id])
        self.assertEqual(search(text="duong", unit=self.other_unit.id)[0], [])
        self.assertEqual(len(search()[0]), 2)
        first, more = search(limit=1)
        self.assertEqual((len(first), more), (1, True))
        second, more = search(limit=1, offset=1)
        self.assertEqual((len(second), more), (1, False))
        self.assertNotEqual(first, second)
        self.assertEqual(Publication.similar(
                "Đường Lê Lợi ngập nước sau mưa to"), ids)

    @with_transaction()
    def test_submit(self):
        "A portal submission: checks, files, duplicates, tracking"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        values = {
            'submitter_name': " Trần Thị Bình ",
            'submitter_phone': "0903 111 222",
            'content': "Cây đổ chắn đường Hùng Vương.",
            'confidential': None,
            }
        png = bytes.fromhex('89504e470d0a1a0a0000000d49484452')
        ticket, duplicate = Ticket.portal_submit(values, [('a.png', png)])
        self.assertFalse(duplicate)
        self.assertEqual(ticket.channel.code, 'web')
        self.assertEqual(ticket.submitter_name, "Trần Thị Bình")
        self.assertIsNone(ticket.operator)
        self.assertIsNotNone(ticket.consent_at)
        attachment, = ticket.attachments
        self.assertEqual((attachment.name, attachment.pakn_kind),
            ('a.png', 'submission'))
        # Sent again by whoever knows the case: that case, nothing new
        again, duplicate = Ticket.portal_submit(dict(values,
                content="cây đổ  chắn đường Hùng Vương. "),
            known=[ticket.code])
        self.assertEqual((again, duplicate), (ticket, True))
        # Sent by someone else: a new case linked to the first, which
        # is never returned to them (nor the first's code)
        count = Ticket.search_count([])
        other, duplicate = Ticket.portal_submit(dict(values,
                content="cây đổ  chắn đường Hùng Vương. "))
        self.assertFalse(duplicate)
        self.assertNotEqual(other, ticket)
        self.assertEqual(other.duplicate_of, ticket)
        self.assertEqual(other.state, 'received')
        self.assertEqual(Ticket.search_count([]), count + 1)
        third, duplicate = Ticket.portal_submit(dict(values,
                content="Cây đổ chắn đường Hùng Vương."), known=['X'])
        self.assertEqual(
            (third.duplicate_of, duplicate), (ticket, False))
        # Confirmed, its step does not name the first case
        Ticket.mark_duplicate([other])
        steps = other.portal_timeline()
        self.assertEqual([s['detail'] for s in steps
                if s['type'] == 'duplicate'], [None])
        self.assertNotIn(ticket.code, repr(steps))
        for bad, error in [
                ({'submitter_name': ''}, 'submitter_name'),
                ({'submitter_phone': '123'}, 'submitter_phone'),
                ({'submitter_email': 'x@'}, 'submitter_email'),
                ({'content': ' '}, 'content'),
                ]:
            with self.subTest(bad=bad):
                with self.assertRaises(SubmissionError) as context:
                    Ticket.portal_submit(dict(values, **bad))
                self.assertEqual(context.exception.field, error)
        with self.assertRaises(UploadError):
            Ticket.portal_submit(values, [('a.jpg', b'MZ' + b'\x00' * 99)])
        with self.assertRaises(UploadError):
            Ticket.portal_submit(values, [('a.png', png)] * 6)
        # Tracking needs the code and the submitter's phone
        self.assertEqual(Ticket.portal_find(ticket.code, '+84903111222'),
            ticket)
        self.assertEqual(Ticket.portal_find(ticket.code.lower(),
                '0903111222'), ticket)
        for code, phone in [(ticket.code, '0903111223'),
                (ticket.code, ''), ('PAKN-2026-999999-ZZZ', '0903111222'),
                ("' OR 1=1 --", '0903111222')]:
            self.assertIsNone(Ticket.portal_find(code, phone))
        self.assertEqual([s['type'] for s in ticket.portal_timeline()],
            ['received'])

    @with_transaction()
    def test_timeline(self):
        "The submitter sees the public steps, not the staff's work"
        self.setup_world()
        ticket = self.case()
        types = [e.type for e in ticket.events]
        self.assertIn('submitted', types)
        self.assertIn('approved', types)
        steps = ticket.portal_timeline()
        self.assertEqual([s['type'] for s in steps],
            ['received', 'forwarded', 'accepted', 'published'])
        self.assertEqual(steps[1]['unit'], "Sở Xây dựng")
        self.assertIsNone(ticket.portal_due())

    @with_transaction()
    def test_public_projection(self):
        "Only published, non-confidential, non-secret cases are public"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        published = self.case()
        private = self.case('sent_privately', confidential=True)
        waiting = self.case('received')
        secret = self.case(
            'received', state_secret=True, secret_reference="12/MẬT",
            submitter_phone=None, submitter_name=None, content=None)
        organisation = self.case(
            submitter_type='organisation',
            submitter_name="Công ty TNHH Minh Phát")
        self.assertEqual(
            [published.public, private.public, waiting.public,
                secret.public, organisation.public],
            [True, False, False, False, True])
        self.assertEqual(
            set(Ticket.search([('public', '=', True)])),
            {published, organisation})
        self.assertEqual(
            set(Ticket.search([('public', '=', False)])),
            {private, waiting, secret})
        self.assertEqual(published.submitter_public_name, "Nguyễn V. A.")
        self.assertEqual(
            organisation.submitter_public_name, "Công ty TNHH Minh Phát")
        self.assertIsNone(private.submitter_public_name)
        # closed after publication, still public
        with Transaction().set_user(self.head.id):
            Ticket.close([published])
        self.assertTrue(Ticket(published.id).public)

    @with_transaction()
    def test_rating_gl2021(self):
        "GL2021: satisfied / acceptable / not satisfied with a reason, once"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Rating = pool.get('pakn.portal.rating')
        self.setup_world('GL2021')
        with self.assertRaises(RatingError):
            Ticket.rate(self.case('received'), 'satisfied')
        ticket = self.case()
        self.assertEqual(ticket.rating_values(),
            ['satisfied', 'acceptable', 'not_satisfied'])
        with self.assertRaises(RatingError):
            Ticket.rate(ticket, 'very_satisfied')
        with self.assertRaises(RatingError) as cm:
            Ticket.rate(ticket, 'not_satisfied', "   ")
        self.assertIn('GL2021', str(cm.exception))
        self.assertEqual(Rating.search([]), [])
        rating = Ticket.rate(ticket, 'not_satisfied', "Cống vẫn tắc")
        self.assertEqual(
            (rating.value, rating.reason, rating.unit),
            ('not_satisfied', "Cống vẫn tắc", self.unit))
        with self.assertRaises(RatingError):
            Ticket.rate(Ticket(ticket.id), 'satisfied')
        with self.assertRaises(RatingError):
            Rating.write([rating], {'value': 'satisfied'})
        self.assertEqual(len(Rating.search([])), 1)

    @with_transaction()
    def test_rating_kh2022(self):
        "KH2022: very satisfied / satisfied / not satisfied, no reason needed"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world('KH2022')
        with self.assertRaises(RatingError):
            Ticket.rate(self.case(), 'acceptable')
        self.assertEqual(
            Ticket.rate(self.case(), 'very_satisfied').value,
            'very_satisfied')
        self.assertEqual(
            Ticket.rate(self.case('sent_privately', confidential=True),
                'not_satisfied').reason, None)

    @with_transaction()
    def test_followup(self):
        "A follow-up question goes to the unit that answered; it replies"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        FollowUp = pool.get('pakn.portal.followup')
        self.setup_world()
        with self.assertRaises(FollowUpError):
            Ticket.ask(self.case('received'), "Khi nào xong?")
        ticket = self.case()
        with self.assertRaises(FollowUpError):
            Ticket.ask(ticket, "  ")
        followup = Ticket.ask(ticket, "Bao giờ sửa xong mặt đường?")
        self.assertEqual((followup.unit, followup.state),
            (self.unit, 'open'))
        # the other department neither sees nor answers it
        with Transaction().set_user(self.other.id), check_access():
            self.assertEqual(FollowUp.search([]), [])
            with self.assertRaises(AccessError):
                FollowUp.write([FollowUp(followup.id)], {'answer': "x"})
        with Transaction().set_user(self.other.id):
            FollowUp.write([followup], {'answer': "Tuần sau."})
            with self.assertRaises(TicketRoleError):
                FollowUp.reply([FollowUp(followup.id)])
        FollowUp.write([followup], {'answer': None})
        with Transaction().set_user(self.focal.id), check_access():
            mine, = FollowUp.search([('state', '=', 'open')])
            with self.assertRaises(UserError):
                FollowUp.reply([mine])
            FollowUp.write([mine], {'answer': "Ngày 30/11/2026."})
            FollowUp.reply([mine])
        followup = FollowUp(followup.id)
        self.assertEqual(
            (followup.state, followup.answered_by, followup.answer),
            ('answered', self.focal, "Ngày 30/11/2026."))
        self.assertEqual(Ticket(ticket.id).followups, (followup,))

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a Vietnamese translation"
        self.assertEqual(missing_translations('pakn_portal'), [])

    @with_transaction()
    def test_errors_in_vietnamese(self):
        "Refusals speak Vietnamese"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        load_vietnamese()
        ticket = self.case()
        with Transaction().set_context(language='vi'):
            with self.assertRaises(RatingError) as cm:
                Ticket.rate(ticket, 'not_satisfied')
        self.assertIn("lý do", str(cm.exception))


del ModuleTestCase
