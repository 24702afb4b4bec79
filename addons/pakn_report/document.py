# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A4 PDF documents in the Vietnamese administrative style (reportlab).

The layout follows Decree 30/2020/NĐ-CP on administrative documents
(Nghị định 30/2020/NĐ-CP về công tác văn thư, Phụ lục I):

- margins: top and bottom 20 to 25 mm, left 30 to 35 mm, right 15 to
  20 mm (here 20, 20, 30 and 15 mm);
- left of the heading: the superior agency's name in capitals, the
  issuing agency's name in bold capitals below it with a short line
  under it, then the number "Số: …/…";
- right of the heading: the national name "CỘNG HÒA XÃ HỘI CHỦ NGHĨA
  VIỆT NAM" in bold capitals, the motto "Độc lập - Tự do - Hạnh phúc"
  in bold with a line as long as the motto under it, then the place and
  date line in italics (see date_line);
- the title in bold capitals, centred;
- page numbers in Arabic figures, centred in the top margin, not shown
  on the first page (page_numbers='top'); page_numbers='bottom' puts
  "n/N" in the bottom margin of every page instead, for reports.

The fonts are DejaVu Sans from the Debian package fonts-dejavu-core,
embedded (subset) in the PDF; they carry every Vietnamese letter.
"""
import io
import os
import unicodedata
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

__all__ = [
    'MissingFontError', 'font_paths', 'register_fonts', 'date_line', 'number',
    'paragraph', 'title', 'heading', 'table', 'bar_chart', 'build_pdf',
    'FONT', 'FONT_BOLD', 'FONT_ITALIC', 'FONT_BOLD_ITALIC', 'MARGINS',
    'FRAME',
    ]

FONT_DIRECTORY = '/usr/share/fonts/truetype/dejavu'
FONT_PACKAGE = 'fonts-dejavu-core'
FONT = 'DejaVuSans'
FONT_BOLD = 'DejaVuSans-Bold'
FONT_ITALIC = 'DejaVuSans-Oblique'
FONT_BOLD_ITALIC = 'DejaVuSans-BoldOblique'
_FONT_FILES = (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC)

PAGE_SIZE = A4
# top, right, bottom, left
MARGINS = (20 * mm, 15 * mm, 20 * mm, 30 * mm)
# The frame of the text: x, y, width, height in points from bottom left
FRAME = (
    MARGINS[3], MARGINS[2],
    PAGE_SIZE[0] - MARGINS[1] - MARGINS[3],
    PAGE_SIZE[1] - MARGINS[0] - MARGINS[2])

NATIONAL_NAME = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'
MOTTO = 'Độc lập - Tự do - Hạnh phúc'
SIZE = 11
HEADING_SIZE = 10


class MissingFontError(RuntimeError):
    "The fonts of the documents are not installed"


def font_paths(directory=FONT_DIRECTORY):
    "Return the path of each font by name; raise MissingFontError"
    paths = {}
    for name in _FONT_FILES:
        path = os.path.join(directory, name + '.ttf')
        if not os.path.isfile(path):
            raise MissingFontError(
                '%s is missing: install the Debian package %s '
                '(apt-get install %s)' % (path, FONT_PACKAGE, FONT_PACKAGE))
        paths[name] = path
    return paths


def register_fonts():
    "Register DejaVu Sans and its styles with reportlab, once"
    registered = pdfmetrics.getRegisteredFontNames()
    if all(n in registered for n in _FONT_FILES):
        return
    for name, path in font_paths().items():
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
        boldItalic=FONT_BOLD_ITALIC)


def _nfc(text):
    return unicodedata.normalize('NFC', str(text))


def date_line(place, date):
    """Return the place and date line: "Lam Giang, ngày 05 tháng 3 năm 2026".

    Decree 30/2020/NĐ-CP, Phụ lục I: the day, month and year are written
    in full in Arabic figures; a day below 10 and the months 1 and 2 take
    a leading 0 (ngày 05, tháng 01, tháng 02), the months 3 to 12 do not
    (tháng 3, tháng 11).
    """
    month = '%02d' % date.month if date.month < 3 else str(date.month)
    return '%s, ngày %02d tháng %s năm %d' % (
        _nfc(place), date.day, month, date.year)


def number(value, digits=0):
    "Format a number the Vietnamese way: 1.234.567,5"
    text = '{:,.{}f}'.format(value, digits)
    return text.replace(',', ' ').replace('.', ',').replace(' ', '.')


def _style(name, font=FONT, size=SIZE, alignment=TA_JUSTIFY, **kwargs):
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=size * 1.3,
        alignment=alignment, **kwargs)


def paragraph(text, bold=False, italic=False, alignment=TA_JUSTIFY,
        size=SIZE, markup=False, **kwargs):
    """Return a Paragraph of text; markup=True keeps reportlab's tags
    (<b>, <i>, <br/>), else the text is escaped"""
    register_fonts()
    font = {
        (False, False): FONT, (True, False): FONT_BOLD,
        (False, True): FONT_ITALIC, (True, True): FONT_BOLD_ITALIC,
        }[bool(bold), bool(italic)]
    text = _nfc(text)
    if not markup:
        text = escape(text).replace('\n', '<br/>')
    kwargs.setdefault('spaceAfter', size * 0.5)
    return Paragraph(
        text, _style('p', font, size, alignment, **kwargs))


def title(text, subtitle=None):
    "Return the flowables of the title (and its summary line)"
    result = [
        Spacer(0, 6 * mm),
        paragraph(_nfc(text).upper(), bold=True, alignment=TA_CENTER,
            size=SIZE + 2, spaceAfter=2)]
    if subtitle:
        result.append(paragraph(
                subtitle, bold=True, alignment=TA_CENTER, spaceAfter=2))
    result.append(Spacer(0, 5 * mm))
    return result


class _Line(HRFlowable):
    "A centred line as long as text in font and size"

    def __init__(self, text, font, size, fraction=1):
        width = pdfmetrics.stringWidth(text, font, size) * fraction
        super().__init__(
            width=width, thickness=0.6, color=colors.black,
            spaceBefore=1, spaceAfter=3, hAlign='CENTER')


def _centred(text, font, size):
    return Paragraph(
        escape(_nfc(text)), _style('h', font, size, TA_CENTER, spaceAfter=0))


def heading(agency, number, place, date, superior=None):
    """Return the heading block as a Table flowable.

    agency: the issuing agency (bold capitals, a short line under it);
    superior: its superior agency, above it; number: the text after "Số:"
    (e.g. "12/BC-UBND"); place and date: see date_line.
    """
    register_fonts()
    widths = [FRAME[2] * 0.4, FRAME[2] * 0.6]
    agency = _nfc(agency).upper()
    left = []
    if superior:
        left.append(_centred(_nfc(superior).upper(), FONT, HEADING_SIZE))
    left.append(_centred(agency, FONT_BOLD, HEADING_SIZE))
    # the line under the agency: 40 % of its longest line
    longest = max(
        simpleSplit(agency, FONT_BOLD, HEADING_SIZE, widths[0]),
        key=lambda t: pdfmetrics.stringWidth(t, FONT_BOLD, HEADING_SIZE))
    left.append(_Line(longest, FONT_BOLD, HEADING_SIZE, 0.4))
    right = [
        _centred(NATIONAL_NAME, FONT_BOLD, HEADING_SIZE),
        _centred(MOTTO, FONT_BOLD, HEADING_SIZE + 1),
        _Line(MOTTO, FONT_BOLD, HEADING_SIZE + 1),
        ]
    bottom_left = _centred('Số: %s' % _nfc(number), FONT, HEADING_SIZE)
    bottom_right = _centred(
        date_line(place, date), FONT_ITALIC, HEADING_SIZE + 1)
    result = Table(
        [[left, right], [bottom_left, bottom_right]], colWidths=widths)
    result.setStyle(TableStyle([
                ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                ('ALIGN', (0, 0), (-1, -1), 'CENTER'),
                ('FONTNAME', (0, 0), (-1, -1), FONT),
                ('LEFTPADDING', (0, 0), (-1, -1), 0),
                ('RIGHTPADDING', (0, 0), (-1, -1), 0),
                ]))
    return result


def table(header, rows, col_widths=None, size=SIZE - 1):
    """Return a Table of rows under header that breaks across pages with
    the header repeated; numbers are right-aligned and formatted with
    number(), other values wrapped as paragraphs"""
    register_fonts()
    head_style = _style('th', FONT_BOLD, size, TA_CENTER)
    text_style = _style('td', FONT, size, TA_LEFT)
    number_style = _style('tn', FONT, size, TA_RIGHT)

    def cell(value):
        if isinstance(value, Flowable):
            return value
        if isinstance(value, bool) or value is None:
            value = '' if value is None else str(value)
        if isinstance(value, int):
            return Paragraph(number(value), number_style)
        if isinstance(value, float):
            return Paragraph(number(value, 1), number_style)
        return Paragraph(escape(_nfc(value)), text_style)

    data = [[Paragraph(escape(_nfc(h)), head_style) for h in header]]
    data += [[cell(v) for v in row] for row in rows]
    if col_widths is None:
        col_widths = [FRAME[2] / len(header)] * len(header)
    result = Table(data, colWidths=col_widths, repeatRows=1)
    result.setStyle(TableStyle([
                ('GRID', (0, 0), (-1, -1), 0.5, colors.black),
                ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#e8e8e8')),
                ('VALIGN', (0, 0), (-1, -1), 'MIDDLE'),
                ('FONTNAME', (0, 0), (-1, -1), FONT),
                ]))
    return result


def bar_chart(labels, values, title=None, width=None, height=60 * mm):
    "Return a Drawing of a vertical bar chart of values by label"
    register_fonts()
    width = width or FRAME[2]
    drawing = Drawing(width, height)
    # the renderer's initial font, else Helvetica is added (not embedded)
    drawing.initialFontName = FONT
    top = 8 * mm if title else 2 * mm
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width = width - chart.x - 2 * mm
    chart.height = height - chart.y - top
    chart.data = [list(values)]
    chart.categoryAxis.categoryNames = [_nfc(l) for l in labels]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*values, 1]) * 1.1
    chart.bars[0].fillColor = colors.HexColor('#4a6fa5')
    chart.barLabelFormat = '%d'
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 5
    drawing.add(chart)
    if title:
        drawing.add(String(
                width / 2, height - 5 * mm, _nfc(title), fontName=FONT_BOLD,
                fontSize=SIZE - 1, textAnchor='middle'))
    return drawing


def _page_number(canvas, doc):
    "Draw the decree's page number: top centre, not on the first page"
    page = canvas.getPageNumber()
    if page > 1:
        canvas.saveState()
        canvas.setFont(FONT, SIZE)
        canvas.drawCentredString(
            MARGINS[3] + FRAME[2] / 2, PAGE_SIZE[1] - MARGINS[0] / 2,
            str(page))
        canvas.restoreState()


class _CountingCanvas(Canvas):
    "Draws 'n/N' at the bottom of each page once N is known"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(FONT, SIZE - 1)
            self.drawCentredString(
                MARGINS[3] + FRAME[2] / 2, MARGINS[2] / 2,
                '%d/%d' % (self._pageNumber, total))
            self.restoreState()
            super().showPage()
        super().save()


def build_pdf(target=None, flowables=(), heading=None, title=None,
        page_numbers='top', metadata_title='', author=''):
    """Build the PDF of heading (a flowable from heading()), title (a
    list from title()) and flowables.

    target: a path or a binary file; None returns the PDF as bytes.
    page_numbers: 'top' (the decree's), 'bottom' ('n/N') or None.
    """
    register_fonts()
    if page_numbers not in ('top', 'bottom', None):
        raise ValueError('page_numbers: top, bottom or None')
    story = []
    if heading is not None:
        story.append(heading)
    story += list(title or [])
    story += list(flowables)
    output = io.BytesIO() if target is None else target
    document = BaseDocTemplate(
        output, pagesize=PAGE_SIZE, title=_nfc(metadata_title),
        author=_nfc(author), creator='PAKN 1022', initialFontName=FONT,
        topMargin=MARGINS[0], rightMargin=MARGINS[1],
        bottomMargin=MARGINS[2], leftMargin=MARGINS[3])
    frame = Frame(*FRAME, leftPadding=0, rightPadding=0,
        topPadding=0, bottomPadding=0, id='body')
    on_page = _page_number if page_numbers == 'top' else None
    if on_page:
        template = PageTemplate('page', [frame], onPage=on_page)
    else:
        template = PageTemplate('page', [frame])
    document.addPageTemplates([template])
    canvasmaker = _CountingCanvas if page_numbers == 'bottom' else Canvas
    document.build(story, canvasmaker=canvasmaker)
    if target is None:
        return output.getvalue()
