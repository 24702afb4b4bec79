# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The documents as drawn: the first page of the monthly report (the
golden province of tools.py, November 2026) and the Annex I answer of an
approved case, converted to PNG by pdftoppm, have no ink outside the
page's frame (but the report's page number in the bottom margin), and
every Vietnamese character written is drawn: the text read back
(pdftotext and pypdf) is the text written, after NFC normalisation, and
every font of the page is embedded with a glyph for each character it
shows (no missing-glyph boxes)."""
import io
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata

from PIL import Image, ImageOps
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile

from trytond.modules.pakn_report import annex, document, output
from trytond.modules.pakn_report.compose import make_report
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .test_document import LETTERS, _squash
from .tools import NOVEMBER, ProvinceMixin, local

# The answer of the case: every letter the brief names (ỗ ữ ặ ẫ ỹ Đ đ)
# in words, then every Vietnamese vowel with every tone
RESULT = (
    "Đường Lê Lợi đã được nạo vét kỹ lưỡng; những hố ga hỏng được thay "
    "nắp mới, biển cảnh báo được đặt ở mỗi điểm thi công, nước mưa lẫn "
    "rác không còn tràn vào nhà dân. Đoàn kiểm tra sẽ trở lại vào "
    "tháng tới.\nBảng chữ: " + ' '.join(LETTERS))
DPI = 72
# Darker than almost white is ink
INK = 8


def _pixels(points):
    return points * DPI / 72


def _to_unicode(font):
    "The characters of a PDF font by code, from its /ToUnicode CMap"
    cmap = font['/ToUnicode'].get_object().get_data().decode('ascii')
    chars = {}
    for code, value in re.findall(
            r'<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>', cmap.split(
                'beginbfchar', 1)[-1]):
        chars[int(code, 16)] = bytes.fromhex(value).decode('utf-16-be')
    return chars


def _code_to_glyph(font_file):
    """The glyph of each code of an embedded subset (a TTFontFile): the
    format 6 table of its cmap, as reportlab writes it"""
    table = font_file.get_table('cmap')
    count, = struct.unpack('>H', table[2:4])
    for i in range(count):
        _, _, offset = struct.unpack('>HHL', table[4 + 8 * i:12 + 8 * i])
        if struct.unpack('>H', table[offset:offset + 2]) != (6,):
            continue
        first, entries = struct.unpack('>HH', table[offset + 6:offset + 10])
        glyphs = struct.unpack(
            '>%dH' % entries, table[offset + 10:offset + 10 + 2 * entries])
        return {first + n: g for n, g in enumerate(glyphs)}
    return {}


class PngTestCase(ProvinceMixin, ModuleTestCase):
    "The report and the Annex I answer drawn as PNG"
    module = 'pakn_report'

    def tool(self, name):
        "Return the path of a poppler-utils program or skip (fail in CI)"
        path = shutil.which(name)
        if not path:
            reason = '%s is missing: apt-get install poppler-utils' % name
            if os.environ.get('CI', '').lower() in {'1', 'true', 'yes'}:
                self.fail(reason)
            print('skipped: ' + reason, file=sys.stderr)
            self.skipTest(reason)
        return path

    def render(self, pdf, page=1):
        "Return the page (from 1) of pdf drawn by pdftoppm, grey, at DPI"
        pdftoppm = self.tool('pdftoppm')
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'document.pdf')
            with open(path, 'wb') as file:
                file.write(pdf)
            subprocess.run(
                [pdftoppm, '-png', '-r', str(DPI), '-f', str(page),
                    '-l', str(page), '-singlefile', path,
                    os.path.join(directory, 'page')],
                check=True, capture_output=True)
            with Image.open(os.path.join(directory, 'page.png')) as image:
                return image.convert('L')

    @staticmethod
    def ink(image, box=None):
        "The bounding box of the ink in box of image, None without ink"
        if box:
            image = image.crop(box)
        mask = ImageOps.invert(image).point(lambda v: 255 if v > INK else 0)
        return mask.getbbox()

    @staticmethod
    def frame():
        "The text frame in pixels, 1 pixel larger for anti-aliasing"
        x, y, width, height = document.FRAME
        page_height = document.PAGE_SIZE[1]
        return (
            int(_pixels(x)) - 1, int(_pixels(page_height - y - height)) - 1,
            int(_pixels(x + width)) + 2, int(_pixels(page_height - y)) + 2)

    def assert_inside(self, image, page_number=False):
        """No ink outside the frame of image; page_number: but the 'n/N'
        centred in the bottom margin"""
        width, height = image.size
        self.assertEqual((width, height), (
                math.ceil(_pixels(document.PAGE_SIZE[0])),
                math.ceil(_pixels(document.PAGE_SIZE[1]))))
        left, top, right, bottom = self.frame()
        ink = self.ink(image)
        self.assertIsNotNone(ink)
        for name, box in [
                ('left margin', (0, 0, left, height)),
                ('right margin', (right, 0, width, height)),
                ('top margin', (left, 0, right, top)),
                ] + ([] if page_number else [
                    ('bottom margin', (left, bottom, right, height))]):
            with self.subTest(margin=name):
                self.assertIsNone(self.ink(image, box))
        # the frame holds ink up to near its right edge and its top
        inside = self.ink(image, (left, top, right, bottom))
        self.assertLess(inside[1], 10)
        self.assertGreater(inside[2], (right - left) * 0.8)
        if page_number:
            number = self.ink(image, (left, bottom, right, height))
            self.assertIsNotNone(number)
            centre = (number[0] + number[2]) / 2
            self.assertAlmostEqual(centre, (right - left) / 2, delta=5)
            # small and away from the page's bottom edge
            self.assertLess(number[2] - number[0], _pixels(30))
            self.assertLess(number[3], height - bottom - _pixels(20))

    def texts(self, pdf, page=1):
        "The text of the page by pdftotext and by pypdf"
        pdftotext = self.tool('pdftotext')
        by_poppler = subprocess.run(
            [pdftotext, '-enc', 'UTF-8', '-f', str(page), '-l', str(page),
                '-', '-'], input=pdf, capture_output=True,
            check=True).stdout.decode('utf-8')
        by_pypdf = PdfReader(io.BytesIO(pdf)).pages[page - 1].extract_text()
        return {'pdftotext': by_poppler, 'pypdf': by_pypdf}

    def assert_text(self, pdf, lines, words=(), page=1):
        """The page's text read back holds each line written (white space
        aside, as lines break) and each word"""
        for tool, text in self.texts(pdf, page).items():
            squashed = _squash(text)
            for line in lines:
                with self.subTest(tool=tool, line=line):
                    self.assertIn(_squash(line), squashed)
            # each word written is a word read (punctuation aside)
            read = set(unicodedata.normalize('NFC', text).split())
            with self.subTest(tool=tool):
                self.assertEqual(
                    [w for w in words
                        if not any(_squash(w) in r for r in read)], [])

    def assert_glyphs(self, pdf, text, page=1):
        """Every font of the page is a TrueType font embedded in the PDF
        with a glyph (not the missing glyph, with an outline) for each code
        it maps to a character; those characters hold every character of
        text; the font the PDF names has them too"""
        reader = PdfReader(io.BytesIO(pdf))
        fonts = reader.pages[page - 1]['/Resources']['/Font']
        self.assertTrue(fonts)
        drawn = set()
        for font in fonts.values():
            font = font.get_object()
            with self.subTest(font=str(font['/BaseFont'])):
                self.assertEqual(font['/Subtype'], '/TrueType')
                self.assertIn('/FontDescriptor', font)
                descriptor = font['/FontDescriptor'].get_object()
                self.assertIn('/FontFile2', descriptor)
                embedded = TTFontFile(io.BytesIO(
                        descriptor['/FontFile2'].get_object().get_data()),
                    validate=0)
                glyphs = _code_to_glyph(embedded)
                chars = _to_unicode(font)
                missing = set()
                for code, char in chars.items():
                    if unicodedata.category(char) == 'Cc' or char.isspace():
                        continue  # reportlab's codes 0 and 127: no glyph
                    glyph = glyphs.get(code)  # 0: the missing glyph
                    if not glyph or not (
                            embedded.glyphPos[glyph + 1]
                            > embedded.glyphPos[glyph]):
                        missing.add(char)
                self.assertEqual(missing, set())
                drawn |= set(chars.values()) - missing
                # the font it was subset from has them (DejaVuSans…)
                base = str(font['/BaseFont']).lstrip('/').split('+', 1)[-1]
                face = pdfmetrics.getFont(base).face
                self.assertEqual(
                    {c for c in chars.values()
                        if unicodedata.category(c) != 'Cc'
                        and ord(c) not in face.charToGlyph},
                    set())
        needed = set(unicodedata.normalize('NFC', text)) - set(' \n')
        self.assertEqual(needed - drawn, set())
        # Vietnamese letters do not decompose into base and mark when read
        self.assertFalse(
            {c for c in drawn if unicodedata.combining(c)})

    def monthly_pdf(self):
        "The report of November 2026 and its PDF"
        self.setup_world()
        self.build()
        with self.at(local(2026, 12, 2, 9, 0)):
            report = make_report(*NOVEMBER, kind='month')
        return report, output.to_pdf(report)

    @with_transaction()
    def test_monthly_report_page(self):
        "The first page of the monthly report, drawn: inside, every letter"
        report, pdf = self.monthly_pdf()
        self.assert_inside(self.render(pdf), page_number=True)

        breakdown = report.breakdowns[0]
        lines = [
            document.NATIONAL_NAME, document.MOTTO,
            report.agency.upper(), 'Số: %s' % report.number,
            document.date_line(report.place, report.date),
            report.title.upper(), report.period, breakdown.title,
            output.TOTAL, output.PDF_TABLES[0][0],
            ]
        if report.superior:
            lines.append(report.superior.upper())
        if report.profile:
            lines.append('%s: %s' % (output.PROFILE, report.profile))
        # the header and label cells wrap: their words
        cells = [breakdown.group_label] + [str(label)
            for label, *_ in breakdown.rows] + [
            output.COLUMNS[k] for k in output.PDF_TABLES[0][1]]
        words = [w for c in cells for w in c.split()]
        self.assertIn('Tháng 11 năm 2026', report.period)
        self.assertIn('Sở Xây dựng', cells)
        self.assert_text(pdf, lines, words)
        self.assert_glyphs(pdf, ''.join(lines + words))

    def approved_case(self):
        "A case of the commune, approved with RESULT"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Configuration = pool.get('pakn.configuration')
        self.setup_world()
        config = Configuration(1)
        config.province = "Lâm Giang"
        config.save()
        ticket = self.new_ticket(local(2026, 11, 4, 9, 0), self.commune)
        with self.at(local(2026, 11, 5, 9, 30)):
            with Transaction().set_user(self.focal.id):
                Ticket.accept([Ticket(ticket.id)])
                Ticket.write([Ticket(ticket.id)], {'result': RESULT})
                Ticket.submit([Ticket(ticket.id)])
            with Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        return Ticket(ticket.id)

    @with_transaction()
    def test_annex_page(self):
        "The Annex I answer, drawn: inside the frame, every letter"
        ticket = self.approved_case()
        pdf = ticket.annex_pdf()
        self.assertTrue(pdf)
        self.assertEqual(len(PdfReader(io.BytesIO(pdf)).pages), 1)
        self.assert_inside(self.render(pdf))

        self.assertIn(RESULT, ticket.answer_text)
        lines = [
            document.NATIONAL_NAME, document.MOTTO,
            "UBND XÃ TIÊN DƯƠNG", "SỞ XÂY DỰNG", 'Số: %s' % ticket.code,
            "Lâm Giang, ngày 05 tháng 11 năm 2026", annex.TITLE.upper(),
            ] + [l for l in ticket.answer_text.splitlines() if l.strip()]
        self.assert_text(pdf, lines)
        self.assert_glyphs(pdf, ''.join(lines))
        for char in 'ỗữặẫỹĐđ':
            self.assertIn(char, ''.join(lines))


del ModuleTestCase
