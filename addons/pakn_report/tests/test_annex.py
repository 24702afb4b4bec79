# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import io
import unicodedata

from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.modules.pakn_report.annex import KIND, file_name
from trytond.modules.pakn_report.exceptions import ReportValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

from .tools import ProvinceMixin, local

RESULT = "Đã sửa chữa đoạn đường hư hỏng trước ngày 20 tháng 11."


def pdf_text(data):
    "The text of the PDF, NFC, its lines joined by spaces"
    text = ' '.join(
        page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize('NFC', ' '.join(text.split()))


class AnnexTestCase(ProvinceMixin, ModuleTestCase):
    "Test the Annex I answer PDF"
    module = 'pakn_report'

    def approve(self, ticket, instant):
        "Accept, draft with evidence, submit and approve the case"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Attachment = pool.get('ir.attachment')
        with self.at(instant):
            with Transaction().set_user(self.focal.id):
                Ticket.accept([Ticket(ticket.id)])
                Ticket.write([Ticket(ticket.id)], {'result': RESULT})
                Attachment.create([{
                            'resource': str(ticket),
                            'name': 'anh-sau-sua-chua.jpg',
                            'data': b'x', 'pakn_kind': 'evidence',
                            }])
                Ticket.submit([Ticket(ticket.id)])
            with Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        return Ticket(ticket.id)

    def answers(self, ticket):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        return Attachment.search([
                ('resource', '=', str(ticket)),
                ('pakn_kind', '=', KIND),
                ])

    def setup_case(self):
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        self.setup_world()
        config = Configuration(1)
        config.province = "Lâm Giang"
        config.save()
        ticket = self.new_ticket(local(2026, 11, 4, 9, 0), self.commune)
        return self.approve(ticket, local(2026, 11, 5, 9, 30))

    @with_transaction()
    def test_answer_pdf_at_approval(self):
        "Approval stores one Annex I PDF of the approved answer"
        ticket = self.setup_case()
        attachment, = self.answers(ticket)
        self.assertEqual(attachment.name, '%s-tra-loi.pdf' % ticket.code)
        self.assertEqual(ticket.annex_pdf(), bytes(attachment.data))
        text = pdf_text(ticket.annex_pdf())
        for expected in [
                "UBND XÃ TIÊN DƯƠNG",
                "SỞ XÂY DỰNG",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Số: %s" % ticket.code,
                "Lâm Giang, ngày 05 tháng 11 năm 2026",
                "TRẢ LỜI PHẢN ÁNH, KIẾN NGHỊ",
                "Phản ánh, kiến nghị của Ông/Bà được UBND xã Tiên Dương",
                RESULT,
                "Đính kèm: anh-sau-sua-chua.jpg",
                "Trân trọng./.",
                ]:
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        # only at approval: publishing adds nothing
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(local(2026, 11, 5, 10, 0)), Transaction().set_user(
                self.head.id):
            Ticket.publish([ticket])
        self.assertEqual(self.answers(ticket), [attachment])

    @with_transaction()
    def test_no_pdf_before_approval(self):
        "A case not approved has no Annex I PDF"
        self.setup_world()
        ticket = self.new_ticket(local(2026, 11, 4, 9, 0), self.commune)
        self.assertEqual(self.answers(ticket), [])
        self.assertIsNone(ticket.annex_pdf())

    @with_transaction()
    def test_answer_pdf_written_by_server_only(self):
        "No client creates, changes or deletes the Annex I PDF"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Ticket = pool.get('pakn.ticket')
        ticket = self.setup_case()
        attachment, = self.answers(ticket)
        data = ticket.annex_pdf()
        for user in [self.focal, self.head]:
            with Transaction().set_user(user.id), check_access():
                for action in [
                        lambda: Attachment.delete([attachment]),
                        lambda: Attachment.write(
                            [attachment], {'data': b'forged'}),
                        lambda: Attachment.write(
                            [attachment], {'pakn_kind': 'internal'}),
                        lambda: Attachment.create([{
                                    'resource': str(ticket),
                                    'name': 'gia-mao.pdf',
                                    'data': b'forged',
                                    'pakn_kind': KIND,
                                    }]),
                        lambda: Ticket.write([ticket], {
                                'attachments': [
                                    ('delete', [attachment.id])]}),
                        ]:
                    with self.subTest(user=user.login), \
                            self.assertRaises(AccessError):
                        action()
        # (a refused create is rolled back with the request's transaction,
        # not in this test: only the stored PDF is checked)
        self.assertIn(attachment, self.answers(ticket))
        self.assertEqual(
            Attachment(attachment.id).name, '%s-tra-loi.pdf' % ticket.code)
        self.assertEqual(Attachment(attachment.id).pakn_kind, KIND)
        self.assertEqual(Ticket(ticket.id).annex_pdf(), data)

    @with_transaction()
    def test_answer_name_reserved(self):
        "No other file of a case takes the name of its answer document"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        ticket = self.setup_case()
        for name in [file_name(ticket.code), file_name(ticket.code).upper()]:
            for kind in ['evidence', 'internal']:
                with Transaction().set_user(self.focal.id), check_access(), \
                        self.subTest(name=name, kind=kind), \
                        self.assertRaises(ReportValidationError) as cm:
                    Attachment.create([{
                                'resource': str(ticket),
                                'name': name,
                                'data': b'%PDF-1.4 look-alike',
                                'pakn_kind': kind,
                                }])
                self.assertIn(name, cm.exception.message)
        # another name is accepted, and may not be renamed to it
        other, = Attachment.create([{
                    'resource': str(ticket), 'name': 'bien-ban.pdf',
                    'data': b'%PDF-1.4', 'pakn_kind': 'internal'}])
        with self.assertRaises(ReportValidationError):
            Attachment.write([other], {'name': file_name(ticket.code)})
        # the answer itself keeps its name
        self.assertEqual(
            [a.name for a in self.answers(ticket)], [file_name(ticket.code)])


del ModuleTestCase
