# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Redaction: personal data typed into a citizen's content is found and
hidden before publication; the approver may hide more, never rewrite;
publishing records what was hidden and by whom."""
import re
import unicodedata
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.tests.vietnamese import load_vietnamese
from trytond.modules.pakn_portal.exceptions import RedactionError
from trytond.modules.pakn_portal.publication import slugify
from trytond.modules.pakn_portal.redaction import (
    MASK_TOKEN,
    find_personal_data,
    mask,
    masked_spans,
)
from trytond.modules.pakn_portal.tests import test_module
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

H = MASK_TOKEN
# A question as citizens write them: a phone, an email, an ID number and
# the home address in the middle of the matter
QUESTION = (
    "Kính gửi Sở Xây dựng, tôi là Nguyễn Văn An, CCCD 001203012345, ở "
    "số 12 đường Lê Lợi, phường Hải Châu. Cống trước nhà bị tắc đã 2 "
    "tuần, nước tràn vào nhà. Xin liên hệ 0912 345 678 hoặc "
    "an.nguyen@example.vn.")
PERSONAL = [
    "001203012345", "số 12 đường Lê Lợi", "0912 345 678",
    "an.nguyen@example.vn"]


class DetectionTestCase(unittest.TestCase):
    "Detection of personal data in Vietnamese texts (no database)"

    def assertMasked(self, text, expected, kinds):
        masked, items = mask(text)
        self.assertEqual(masked, expected)
        self.assertEqual([i['kind'] for i in items], kinds)
        for item in items:
            self.assertIn(item['original'], text)

    def test_phones(self):
        "Phone numbers in every spelling, mobile and landline"
        for number in [
                "0912 345 678", "0912.345.678", "0912-345-678",
                "0912345678", "+84 912.345.678", "84912345678",
                "(+84) 912 345 678", "+84912345678",
                "028 3822 1234", "(024) 3825 1234", "0236.3822.123"]:
            with self.subTest(number=number):
                self.assertMasked(
                    "Xin gọi cho tôi theo số %s, cảm ơn." % number,
                    "Xin gọi cho tôi theo số %s, cảm ơn." % H, ['phone'])
        self.assertMasked("SĐT:0987654321.", "SĐT:%s." % H, ['phone'])
        self.assertMasked("sđt0987654321", "sđt" + H, ['phone'])
        self.assertMasked(
            "Liên hệ 0912345678/0987654321 (chị Hoa)",
            "Liên hệ %s/%s (chị Hoa)" % (H, H), ['phone', 'phone'])

    def test_not_phones(self):
        "A letter among the digits, dates, amounts and codes are kept"
        for text in [
                "Số 09l2 345 678 không phải số điện thoại.",
                "Đường Lê Lợi ngập từ ngày 12/3/2024 lúc 10 giờ.",
                "Năm 2023 phường có 1500 hộ, thu 150.000.000 đồng.",
                "Mã hồ sơ PAKN-2026-000123-XK8 chưa được xử lý.",
                "UBND phường 5, quận 3 chưa sửa 3 đường dây điện.",
                "Khoản 2 Điều 14 Nghị định 13/2023/NĐ-CP.",
                ]:
            with self.subTest(text=text):
                self.assertEqual(mask(text), (text, []))
                self.assertEqual(find_personal_data(text), [])

    def test_emails(self):
        "Emails, with dots, plus and sub-domains"
        self.assertMasked(
            "Gửi về an.nguyen@example.vn hoặc tran_thi.binh+pakn@mail."
            "danang.gov.vn giúp tôi.",
            "Gửi về %s hoặc %s giúp tôi." % (H, H), ['email', 'email'])

    def test_id_numbers(self):
        "CCCD (12 digits) and CMND (9), grouped or not, never a longer one"
        for number in [
                "001203012345", "001 203 012 345", "001.203.012.345",
                "123456789", "123 456 789"]:
            with self.subTest(number=number):
                self.assertMasked(
                    "Số CCCD của tôi là %s." % number,
                    "Số CCCD của tôi là %s." % H, ['id_number'])
        for text in [
                "Mã số thuế 0401234567890 của công ty.",
                "Tôi đã nộp 150.000.000 đồng tiền đất.",
                "Hợp đồng số 1234567890.",
                ]:
            with self.subTest(text=text):
                self.assertEqual(mask(text), (text, []))

    def test_addresses(self):
        "House numbers with their street"
        for text, hidden in [
                ("Tôi ở số 12 đường Lê Lợi, phường Hải Châu.",
                    "số 12 đường Lê Lợi"),
                ("Nhà 12/3 Nguyễn Trãi bị nứt tường.", "12/3 Nguyễn Trãi"),
                ("Địa chỉ: số nhà 45 ngõ 12 phố Huế, Hà Nội.",
                    "số nhà 45 ngõ 12 phố Huế"),
                ("Tôi ở nhà số 7, hẻm 123 Lê Văn Sỹ, quận 3.",
                    "nhà số 7, hẻm 123 Lê Văn Sỹ"),
                ("Quán 45B Trần Hưng Đạo lấn chiếm vỉa hè.",
                    "45B Trần Hưng Đạo"),
                ("Số 8 kiệt 42 Hoàng Diệu ngập sâu.",
                    "Số 8 kiệt 42 Hoàng Diệu"),
                ("Nhà số 5 bị mất điện.", "Nhà số 5"),
                ]:
            with self.subTest(text=text):
                self.assertMasked(
                    text, text.replace(hidden, H), ['address'])
        # A street without a house number is the place of the matter
        text = "Đường Lê Lợi và phố Huế bị ngập sâu."
        self.assertEqual(mask(text), (text, []))

    def test_plates(self):
        "Vehicle plates of cars and motorbikes"
        self.assertMasked(
            "Xe 29A-123.45 và xe 51F-12345 đỗ trên vỉa hè, xe máy "
            "59-X1 123.45 chạy ngược chiều.",
            "Xe %s và xe %s đỗ trên vỉa hè, xe máy %s chạy ngược chiều."
            % (H, H, H), ['plate', 'plate', 'plate'])

    def test_question(self):
        "A whole question: every item hidden, the matter kept"
        masked, items = mask(QUESTION)
        self.assertEqual([i['original'] for i in items],
            ["001203012345", "số 12 đường Lê Lợi", "0912 345 678",
                "an.nguyen@example.vn"])
        for item in PERSONAL:
            self.assertNotIn(item, masked)
        self.assertIn("Cống trước nhà bị tắc đã 2 tuần", masked)
        self.assertEqual(masked.count(H), 4)

    def test_nothing_personal(self):
        "A text without personal data is left as it is"
        text = ("Đèn chiếu sáng trên đường Nguyễn Văn Linh hỏng 3 bóng từ "
            "tuần trước, đề nghị Sở sửa chữa.")
        self.assertEqual(mask(text), (text, []))

    def test_nfc(self):
        "A text in NFD is detected as in NFC; the mask is in NFC"
        text = "Tôi ở số 12 đường Lê Lợi, gọi 0912 345 678."
        nfd = unicodedata.normalize('NFD', text)
        self.assertNotEqual(nfd, text)
        self.assertEqual(mask(nfd), mask(text))
        self.assertEqual(find_personal_data(nfd), find_personal_data(text))

    def test_masked_spans(self):
        "The copy may only hide spans of the original"
        masked, _ = mask(QUESTION)
        spans = masked_spans(QUESTION, masked)
        self.assertEqual([QUESTION[s:e] for s, e in spans], PERSONAL)
        # hiding more, restoring a false positive
        more = masked.replace("Nguyễn Văn An", H)
        self.assertEqual(len(masked_spans(QUESTION, more)), 5)
        self.assertEqual(masked_spans(QUESTION, QUESTION), [])
        # rewriting, deleting, adding words, a token hiding nothing
        for copy in [
                masked.replace("bị tắc", "bị hỏng"),
                masked.replace("nước tràn vào nhà. ", ""),
                masked + " Xin cảm ơn.",
                masked.replace("Cống", H + " Cống"),
                masked.replace(H, "[ẩn]", 1),
                ]:
            with self.subTest(copy=copy):
                self.assertIsNone(masked_spans(QUESTION, copy))

    def test_slug(self):
        "A slug has no digits and no mask token"
        self.assertEqual(
            slugify("Gọi 0912 345 678 về cống tắc ở 12/3 Lê Lợi"),
            "goi-ve-cong-tac-o-le-loi")
        self.assertEqual(slugify("Nhà tôi ở %s bị ngập" % H),
            "nha-toi-o-bi-ngap")
        self.assertEqual(slugify("0912 345 678"), "phan-anh")


class RedactionTestCase(unittest.TestCase):
    "The public copy of a case, its edits and its publication"

    @classmethod
    def setUpClass(cls):
        activate_module('pakn_portal')

    setup_world = test_module.PortalTestCase.setup_world
    _case = test_module.PortalTestCase.case

    def case(self, until='published', **values):
        "A case up to until, waiting_approval too"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        if until != 'waiting_approval':
            return self._case(until, **values)
        ticket = self._case('received', **values)
        with Transaction().set_context(pakn_now=test_module.T0):
            Ticket.forward([ticket])
            with Transaction().set_user(self.focal.id):
                Ticket.accept([ticket])
                Ticket.write([ticket], {'result': "Đã nạo vét cống."})
                Ticket.submit([ticket])
        return Ticket(ticket.id)

    def approve(self, ticket):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with Transaction().set_user(self.head.id):
            Ticket.approve([ticket])
        return Ticket(ticket.id)

    def publish(self, ticket):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with Transaction().set_user(self.head.id):
            Ticket.publish([ticket])
        return Ticket(ticket.id)

    @with_transaction()
    def test_prefill_on_submit(self):
        "Submitting for approval fills the public copy with the masked text"
        self.setup_world()
        received = self.case('received', content=QUESTION)
        self.assertIsNone(received.public_question)
        ticket = self.case('waiting_approval', content=QUESTION)
        self.assertEqual(ticket.state, 'waiting_approval')
        self.assertEqual(ticket.public_question, mask(QUESTION)[0])
        self.assertEqual(ticket.content, QUESTION)
        # the approver sees each hidden item, its kind and its text
        lines = ticket.public_masked.splitlines()
        self.assertEqual(lines, [
                "ID Number: 001203012345",
                "Home Address: số 12 đường Lê Lợi",
                "Phone Number: 0912 345 678",
                "Email: an.nguyen@example.vn",
                ])
        load_vietnamese()
        with Transaction().set_context(language='vi'):
            pool = Pool()
            Ticket = pool.get('pakn.ticket')
            self.assertEqual(
                Ticket(ticket.id).public_masked.splitlines()[2],
                "Số điện thoại: 0912 345 678")

    @with_transaction()
    def test_edit_rule(self):
        "The approver may hide more or restore, never rewrite"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        ticket = self.case('waiting_approval', content=QUESTION)
        copy = ticket.public_question
        more = copy.replace("Nguyễn Văn An", H)
        with Transaction().set_user(self.head.id):
            Ticket.write([ticket], {'public_question': more})
        ticket = Ticket(ticket.id)
        self.assertIn("Masked by Staff: Nguyễn Văn An",
            ticket.public_masked.splitlines())
        # restoring the email (say it is the ward's public address)
        restored = more.replace(H + ".", "an.nguyen@example.vn.")
        Ticket.write([ticket], {'public_question': restored})
        for bad in [
                restored.replace("bị tắc", "bị hỏng"),
                restored.replace(" nước tràn vào nhà.", ""),
                restored + " Đề nghị xử lý gấp.",
                ]:
            with self.subTest(bad=bad):
                with self.assertRaises(RedactionError) as cm:
                    Ticket.write([ticket], {'public_question': bad})
                self.assertIn(H, str(cm.exception))
        # (a refused write is rolled back with its transaction; here the
        # test's transaction goes on)
        Ticket.write([ticket], {'public_question': restored})
        # a client may edit the copy while waiting and approved only
        self.assertEqual(
            Ticket.readonly_fields(ticket, ['public_question']), [])
        ticket = self.approve(ticket)
        self.assertEqual(ticket.public_question, restored)
        self.assertEqual(
            Ticket.readonly_fields(ticket, ['public_question']), [])
        ticket = self.publish(ticket)
        self.assertEqual(
            Ticket.readonly_fields(ticket, ['public_question']),
            ['public_question'])
        with self.assertRaises(AccessError):
            Ticket.check_client_write([ticket], {'public_question': copy})

    @with_transaction()
    def test_publish_records_redactions(self):
        "Publishing stores who hid what; the public row is free of it"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Publication = pool.get('pakn.portal.publication')
        Redaction = pool.get('pakn.portal.redaction')
        self.setup_world()
        ticket = self.case('approved', content=QUESTION)
        Ticket.write([ticket], {
                'public_question': ticket.public_question.replace(
                    "Nguyễn Văn An", H),
                })
        self.assertEqual(Redaction.search([]), [])
        ticket = self.publish(ticket)
        self.assertEqual(ticket.state, 'published')
        redactions = Redaction.search([('ticket', '=', ticket.id)])
        self.assertEqual(
            [(r.kind, r.data, r.original, r.user) for r in redactions], [
                ('manual', None, "Nguyễn Văn An", self.head),
                ('detected', 'id_number', "001203012345", self.head),
                ('detected', 'address', "số 12 đường Lê Lợi", self.head),
                ('detected', 'phone', "0912 345 678", self.head),
                ('detected', 'email', "an.nguyen@example.vn", self.head),
                ])
        self.assertEqual(ticket.redactions, tuple(redactions))
        # the original stays in the case
        self.assertEqual(ticket.content, QUESTION)
        publication, = Publication.search([('ticket', '=', ticket.id)])
        public = ' '.join([publication.title, publication.question,
                publication.search_text or '', publication.slug])
        for item in PERSONAL + ["Nguyễn Văn An", "0912", "345 678"]:
            self.assertNotIn(item, public)
        self.assertNotIn("nguyen", publication.search_text or '')
        self.assertEqual(publication.question, ticket.public_question)
        self.assertFalse(re.search(r'\d', publication.slug))
        self.assertIn("Cống trước nhà bị tắc", publication.question)
        self.assertEqual(
            Publication.portal_search(text="cong tac")[0], [publication.id])
        # append-only
        with self.assertRaises(AccessError):
            Redaction.write(redactions[:1], {'original': "x"})
        with self.assertRaises(AccessError):
            Redaction.delete(redactions[:1])

    @with_transaction()
    def test_publish_without_copy(self):
        "A case approved without a copy is published masked"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Publication = pool.get('pakn.portal.publication')
        self.setup_world()
        ticket = self.case('approved', content=QUESTION)
        # as a case approved before the copy existed
        Ticket.write([ticket], {'public_question': None})
        ticket = self.publish(ticket)
        self.assertEqual(ticket.public_question, mask(QUESTION)[0])
        publication, = Publication.search([('ticket', '=', ticket.id)])
        self.assertEqual(publication.question, mask(QUESTION)[0])
        self.assertEqual(len(ticket.redactions), 4)
        self.assertEqual({r.kind for r in ticket.redactions}, {'detected'})

    @with_transaction()
    def test_confidential(self):
        "A confidential case has no public copy"
        self.setup_world()
        ticket = self.case(
            'sent_privately', confidential=True, content=QUESTION)
        self.assertIsNone(ticket.public_question)
        self.assertIsNone(ticket.public_masked)
        self.assertEqual(ticket.redactions, ())

    @with_transaction()
    def test_content_corrected(self):
        "A corrected content is masked anew in the public copy"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.setup_world()
        ticket = self.case('waiting_approval', content=QUESTION)
        corrected = QUESTION.replace("0912 345 678", "0987 654 321")
        # as the correction of intake data does, in server code
        Ticket.write([ticket], {'content': corrected})
        ticket = Ticket(ticket.id)
        self.assertEqual(ticket.public_question, mask(corrected)[0])
        self.assertIn("Phone Number: 0987 654 321",
            ticket.public_masked.splitlines())
