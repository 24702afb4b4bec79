# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import io
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import unittest

from PIL import Image, ImageOps
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from trytond.modules.pakn_report import document

TONES = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323']
VOWELS = 'aăâeêioôơuưy'
# Every Vietnamese letter with every tone, lower and upper case
LETTERS = [
    unicodedata.normalize('NFC', v + t) for v in VOWELS for t in TONES]
LETTERS += [l.upper() for l in LETTERS] + ['đ', 'Đ']
SAMPLE = 'Phản ánh, kiến nghị về đường ngập ở phường Hồng Hà — Ủy ban nhân dân'
HEADER = ['STT', 'Nội dung phản ánh', 'Đơn vị xử lý', 'Số ngày']
ROWS = [
    [i, '%s số %d' % (SAMPLE, i), 'Phòng Quản lý đô thị', i * 1000]
    for i in range(1, 61)]
AGENCY = 'Sở Thông tin và Truyền thông'
SUPERIOR = 'Ủy ban nhân dân tỉnh Lam Giang'
TITLE = 'Báo cáo'
SUBTITLE = 'Tình hình tiếp nhận, xử lý phản ánh, kiến nghị tháng 3'
CHART_TITLE = 'Số phản ánh, kiến nghị theo tháng'
# The lines the PDF must give back, as they are drawn
LINES = [
    SUPERIOR.upper(), 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc', 'Số: 12/BC-STTTT',
    'Lam Giang, ngày 05 tháng 3 năm 2026', TITLE.upper(), SUBTITLE,
    SAMPLE, CHART_TITLE, 'Phòng Quản lý đô thị', '60.000',
    *HEADER]
# 50 dpi
DPI = 50


def _pixels(points):
    return points * DPI / 72


def _squash(text):
    "NFC without white space (line breaks differ between extractors)"
    return re.sub(r'\s+', '', unicodedata.normalize('NFC', text))


def _build():
    words = ' '.join(LETTERS)
    flowables = [
        document.paragraph(SAMPLE),
        document.paragraph(words),
        document.bar_chart(
            ['Tháng 1', 'Tháng 2', 'Tháng 3'], [12, 30, 7], CHART_TITLE),
        document.table(
            HEADER, ROWS, [12 * mm, 85 * mm, 45 * mm, 23 * mm]),
        ]
    return document.build_pdf(
        None, flowables,
        heading=document.heading(
            AGENCY, '12/BC-STTTT', 'Lam Giang', dt.date(2026, 3, 5),
            superior=SUPERIOR),
        title=document.title(TITLE, SUBTITLE))


class DocumentTestCase(unittest.TestCase):
    "Test the PDF building blocks"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pdf = _build()
        cls.reader = PdfReader(io.BytesIO(cls.pdf))

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

    def test_pages(self):
        "The long table breaks over at least two pages"
        self.assertGreaterEqual(len(self.reader.pages), 2)

    def test_glyphs(self):
        "DejaVu Sans has a glyph for every Vietnamese letter"
        for name in [document.FONT, document.FONT_BOLD,
                document.FONT_ITALIC, document.FONT_BOLD_ITALIC]:
            face = pdfmetrics.getFont(name).face
            text = ''.join(LINES + LETTERS + [SAMPLE])
            missing = {c for c in text if ord(c) not in face.charToGlyph}
            self.assertEqual(missing, set(), name)

    def assert_lines(self, text):
        text = _squash(text)
        for line in LINES + LETTERS:
            with self.subTest(line=line):
                self.assertIn(_squash(line), text)

    def test_text_pypdf(self):
        "pypdf gives every Vietnamese line back"
        self.assert_lines(
            '\n'.join(p.extract_text() for p in self.reader.pages))

    def test_text_pdftotext(self):
        "pdftotext gives every Vietnamese line back"
        pdftotext = self.tool('pdftotext')
        text = subprocess.run(
            [pdftotext, '-enc', 'UTF-8', '-', '-'], input=self.pdf,
            capture_output=True, check=True).stdout.decode('utf-8')
        self.assert_lines(text)

    def test_header_repeated(self):
        "The table's header row is repeated on every page it runs over"
        pages = [p.extract_text() for p in self.reader.pages]
        self.assertIn('số 1\n', pages[0] + '\n')
        last = 'số %d' % len(ROWS)
        self.assertNotIn(last, pages[0])
        for page in pages[1:]:
            with self.subTest(page=page[:40]):
                for name in HEADER:
                    self.assertIn(name, page)

    def test_fonts_embedded(self):
        "Every font is a DejaVu TrueType font embedded in the file"
        for page in self.reader.pages:
            fonts = page['/Resources']['/Font']
            self.assertTrue(fonts)
            for font in fonts.values():
                font = font.get_object()
                self.assertIn('DejaVuSans', font['/BaseFont'])
                descriptor = font['/FontDescriptor'].get_object()
                self.assertIn('/FontFile2', descriptor)

    def render(self, page):
        "Return page (from 1) as a grey image at DPI"
        pdftoppm = self.tool('pdftoppm')
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'page.pdf')
            with open(path, 'wb') as file:
                file.write(self.pdf)
            subprocess.run(
                [pdftoppm, '-png', '-r', str(DPI), '-f', str(page),
                    '-l', str(page), '-singlefile', path,
                    os.path.join(directory, 'page')],
                check=True)
            with Image.open(os.path.join(directory, 'page.png')) as image:
                return image.convert('L')

    def ink(self, image, box=None):
        "Return the bounding box of the ink in box of image"
        if box:
            image = image.crop(box)
        # anything darker than almost white is ink
        mask = ImageOps.invert(image).point(lambda v: 255 if v > 8 else 0)
        return mask.getbbox()

    def frame(self, image):
        "The text frame in pixels, 1 pixel larger for anti-aliasing"
        x, y, width, height = document.FRAME
        page_height = document.PAGE_SIZE[1]
        return (
            int(_pixels(x)) - 1, int(_pixels(page_height - y - height)) - 1,
            int(_pixels(x + width)) + 2, int(_pixels(page_height - y)) + 2)

    def test_render_inside_margins(self):
        "The first pages drawn by pdftoppm have no ink in the margins"
        image = self.render(1)
        width, height = image.size
        self.assertEqual(
            (width, height),
            (math.ceil(_pixels(595.28)), math.ceil(_pixels(841.89))))
        left, top, right, bottom = self.frame(image)
        ink = self.ink(image)
        self.assertIsNotNone(ink)
        self.assertGreaterEqual(ink[0], left)
        self.assertGreaterEqual(ink[1], top)
        self.assertLessEqual(ink[2], right)
        self.assertLessEqual(ink[3], bottom)
        # the table reaches the right edge of the frame
        self.assertGreater(ink[2], right - 5)

        # page 2: the page number in the top margin, nothing else outside
        image = self.render(2)
        for box in [(0, 0, left, height), (right, 0, width, height),
                (0, bottom, width, height)]:
            with self.subTest(box=box):
                self.assertIsNone(self.ink(image, box))
        number = self.ink(image, (left, 0, right, top))
        self.assertIsNotNone(number)
        centre = (number[0] + number[2]) / 2
        self.assertAlmostEqual(centre, (right - left) / 2, delta=5)

    def test_date_line(self):
        "The place and date line of Decree 30/2020/NĐ-CP"
        for date, line in [
                (dt.date(2026, 11, 5), 'Lam Giang, ngày 05 tháng 11 năm 2026'),
                (dt.date(2026, 1, 9), 'Lam Giang, ngày 09 tháng 01 năm 2026'),
                (dt.date(2026, 2, 10),
                    'Lam Giang, ngày 10 tháng 02 năm 2026'),
                (dt.date(2026, 3, 1), 'Lam Giang, ngày 01 tháng 3 năm 2026'),
                (dt.date(2026, 9, 30),
                    'Lam Giang, ngày 30 tháng 9 năm 2026'),
                (dt.datetime(2026, 12, 31, 23, 0),
                    'Lam Giang, ngày 31 tháng 12 năm 2026'),
                ]:
            with self.subTest(date=date):
                self.assertEqual(document.date_line('Lam Giang', date), line)

    def test_number(self):
        "Numbers with the Vietnamese separators"
        self.assertEqual(document.number(1234567), '1.234.567')
        self.assertEqual(document.number(1234.5, 1), '1.234,5')
        self.assertEqual(document.number(0), '0')

    def test_write_file(self):
        "build_pdf writes to a path and to a binary file"
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, 'a.pdf')
            self.assertIsNone(document.build_pdf(
                    path, [document.paragraph(SAMPLE)]))
            with open(path, 'rb') as file:
                self.assertTrue(file.read().startswith(b'%PDF-'))
        buffer = io.BytesIO()
        document.build_pdf(
            buffer, [document.paragraph(SAMPLE)], page_numbers='bottom')
        reader = PdfReader(buffer)
        self.assertIn('1/1', reader.pages[0].extract_text())

    def test_missing_font(self):
        "A missing font names the Debian package"
        with tempfile.TemporaryDirectory() as directory:
            with self.assertRaisesRegex(
                    document.MissingFontError, 'fonts-dejavu-core'):
                document.font_paths(directory)
        self.assertEqual(
            set(document.font_paths()),
            {document.FONT, document.FONT_BOLD, document.FONT_ITALIC,
                document.FONT_BOLD_ITALIC})
