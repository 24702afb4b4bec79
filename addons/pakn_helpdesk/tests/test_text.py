# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Normalised text: what is stored and searched is in NFC, without control
or format characters, whoever writes it and however it was typed."""
import unicodedata
import unittest

from trytond.modules.pakn_helpdesk.common import normalize_text
from trytond.modules.pakn_helpdesk.model import normalize_domain
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

NAME = "Nguyễn Thị Ánh"
CONTENT = "Đường Lê Lợi bị ngập sâu.\nĐề nghị nạo vét cống."
# Right-to-left override, zero-width space, BOM, an isolate, a NUL
HIDDEN = '\u202e\u200b\ufeff\u2066\x00'


def nfd(text):
    return unicodedata.normalize('NFD', text)


def hide(text):
    "The text with invisible characters slipped in its words"
    return HIDDEN.join([text[:4], text[4:9], text[9:]])


class NormalizeTextTestCase(unittest.TestCase):
    "normalize_text"

    def test_nfc(self):
        "NFD becomes NFC; NFC, ASCII and non-texts are unchanged"
        self.assertNotEqual(nfd(NAME), NAME)
        self.assertEqual(normalize_text(nfd(NAME)), NAME)
        for value in [NAME, CONTENT, 'PAKN-2026-000001-K7Q', '', None,
                False, 12, b'\xcc\x81']:
            self.assertEqual(normalize_text(value), value)

    def test_removed(self):
        "Controls and format characters go; newline and tab stay"
        self.assertEqual(normalize_text(hide(nfd(NAME))), NAME)
        for char in [
                '\x00', '\x07', '\x1b', '\x7f', '\x85', '\x9b',
                '\u200b', '\u200c', '\u200d', '\u200e', '\u200f',
                '\u202a', '\u202b', '\u202c', '\u202d', '\u202e',
                '\u2066', '\u2067', '\u2068', '\u2069', '\u061c',
                '\ufeff', '\ud800']:
            with self.subTest(char=hex(ord(char))):
                self.assertEqual(normalize_text('a%sb' % char), 'ab')
        self.assertEqual(normalize_text('a\tb\nc'), 'a\tb\nc')

    def test_line_ends(self):
        "CR LF and CR become LF"
        self.assertEqual(normalize_text('a\r\nb\rc\n\rd'), 'a\nb\nc\n\nd')

    def test_domain(self):
        "Every text of a domain is normalised; the rest is kept"
        domain = ['OR',
            ('submitter_name', 'ilike', '%' + nfd(NAME) + '%'),
            [('code', 'in', [nfd(NAME), 3, None])],
            ('events', 'where', [('note', '=', hide(NAME))]),
            ('id', '>', 4),
            ]
        self.assertEqual(normalize_domain(domain), ['OR',
                ('submitter_name', 'ilike', '%' + NAME + '%'),
                [('code', 'in', [NAME, 3, None])],
                ('events', 'where', [('note', '=', NAME)]),
                ('id', '>', 4),
                ])


class NormalizedStorageTestCase(unittest.TestCase):
    "Normalised text in the database"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pakn_helpdesk')

    def create_case(self, **values):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        ticket, = Ticket.create([{
                    'channel': ModelData.get_id(
                        'pakn_helpdesk', 'channel_web'),
                    'submitter_phone': '0912345678',
                    **values,
                    }])
        return ticket

    @with_transaction()
    def test_create_and_write(self):
        "A case created and written in NFD with hidden characters is NFC"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Attachment = pool.get('ir.attachment')
        ticket = self.create_case(
            submitter_name=hide(nfd(NAME)),
            submitter_address=nfd("12 Lê Lợi") + '\u202e',
            content=hide(nfd(CONTENT)).replace('\n', '\r\n'))
        self.assertEqual(ticket.submitter_name, NAME)
        self.assertEqual(ticket.submitter_address, "12 Lê Lợi")
        self.assertEqual(ticket.content, CONTENT)

        other = nfd("Trần Văn Ơn") + '\u200d'
        Ticket.write([ticket], {
                'submitter_name': other,
                'content': nfd(CONTENT) + '\r\n\u2067thêm\u2069',
                })
        self.assertEqual(ticket.submitter_name, "Trần Văn Ơn")
        self.assertEqual(ticket.content, CONTENT + '\nthêm')

        # Other models of the modules, and the names of attachments
        Unit = pool.get('pakn.unit')
        unit, = Unit.create([{
                    'name': hide(nfd("Sở Xây dựng")), 'code': 'SXD',
                    'kind': 'department'}])
        self.assertEqual(unit.name, "Sở Xây dựng")
        attachment, = Attachment.create([{
                    'name': nfd("ảnh cây") + '\u202egpj.exe',
                    'resource': str(ticket),
                    'type': 'data',
                    'data': b'x',
                    }])
        self.assertEqual(attachment.name, "ảnh câygpj.exe")

    @with_transaction()
    def test_search(self):
        "An NFC search finds what was sent in NFD, and the other way round"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        in_nfd = self.create_case(
            submitter_name=nfd(NAME), content=nfd(CONTENT))
        in_nfc = self.create_case(
            submitter_name="Lê " + NAME, content=CONTENT)
        self.create_case(submitter_name="Nguyễn Thị Anh", content="Khác")
        both = {in_nfd.id, in_nfc.id}

        for query in [NAME, nfd(NAME), hide(NAME), hide(nfd(NAME))]:
            with self.subTest(query=ascii(query)):
                domain = [('submitter_name', 'ilike', '%' + query + '%')]
                self.assertEqual(set(map(int, Ticket.search(domain))), both)
                self.assertEqual(Ticket.search_count(domain), 2)
                self.assertEqual(
                    {r['id'] for r in Ticket.search_read(domain)}, both)
        self.assertEqual(Ticket.search([
                    ('submitter_name', '=', nfd(NAME))]), [in_nfd])
        self.assertEqual(Ticket.search([
                    ('submitter_name', 'in', [nfd(NAME), 'x'])]), [in_nfd])
        self.assertEqual(Ticket.search([
                    ('content', 'like', nfd("%nạo vét%"))],
                order=[('id', 'ASC')]), [in_nfd, in_nfc])
        # The clauses on a related model: the event of each case
        self.assertEqual(set(map(int, Ticket.search([
                            ('events.ticket.submitter_name', 'ilike',
                                nfd('%Thị Ánh')),
                            ]))), both)
        # The rec_name
        self.assertEqual(Ticket.search([
                    ('rec_name', 'ilike', hide(in_nfd.code))]),
            [in_nfd])
