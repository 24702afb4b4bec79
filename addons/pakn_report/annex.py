# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Annex I answer as a PDF (KH2022 Phụ lục I).

When a case's 'approved' event is written, the approved answer
(pakn.ticket answer_text, rendered by the helpdesk's render_answer from
the configuration's Annex I template, the evidence list included) is
written to an A4 PDF in the administrative style (document.py): the
answering unit as the agency (its parent unit as the superior), the
case's code as the number, the province and the local date of approval,
the title and the text. The PDF is stored with the case as an
ir.attachment of kind 'answer' named '<code>-tra-loi.pdf', written by the
server only: no client creates, changes or deletes it.

Signature: when the unit has a signing certificate configured (issue 13,
point 6, not built yet), Ticket._annex_data is where the bytes of
render_pdf() pass through signature.sign_pdf() before they are stored.
"""
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.common import to_local
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from . import document

__all__ = ['TITLE', 'KIND', 'file_name', 'render_pdf']

TITLE = 'Trả lời phản ánh, kiến nghị'
KIND = 'answer'


def file_name(code):
    "The name of the Annex I PDF of the case of code"
    return '%s-tra-loi.pdf' % code


def render_pdf(agency, number, place, date, text, superior=None):
    """Return the PDF bytes of the Annex I answer text by agency (the
    answering unit) numbered number, dated date (a date) at place"""
    return document.build_pdf(
        heading=document.heading(
            agency, number, place, date, superior=superior),
        title=document.title(TITLE),
        flowables=[document.paragraph(text)],
        metadata_title='%s %s' % (TITLE, number),
        author=agency)


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = (KIND, "Answer (Annex I PDF)")
        if selection not in cls.pakn_kind.selection:
            cls.pakn_kind.selection.append(selection)

    @classmethod
    def check_modification(
            cls, mode, attachments, values=None, external=False):
        super().check_modification(
            mode, attachments, values=values, external=external)
        if not external:
            return
        # The Annex I PDF is the approved answer as sent: the server only
        # writes it
        kinds = {a.pakn_kind for a in attachments}
        kinds.add((values or {}).get('pakn_kind'))
        if KIND in kinds:
            raise AccessError(gettext('pakn_report.msg_annex_server_only'))


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event_reactions.append((25, 'annex_react'))

    @classmethod
    def annex_react(cls, tickets, events):
        "Store the Annex I PDF of the cases just approved"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        to_create, to_write = [], []
        for ticket, event in zip(tickets, events):
            if event.type != 'approved':
                continue
            ticket = cls(ticket.id)
            data = ticket._annex_data()
            existing = ticket._annex_attachment()
            if existing:
                to_write.extend(([existing], {'data': data}))
            else:
                to_create.append({
                        'resource': str(ticket),
                        'name': file_name(ticket.code),
                        'type': 'data',
                        'data': data,
                        'pakn_kind': KIND,
                        })
        with without_check_access():
            if to_write:
                Attachment.write(*to_write)
            if to_create:
                Attachment.create(to_create)

    def _annex_data(self):
        "Return the PDF bytes of the approved answer"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        unit = self.lead_unit
        superior = unit.parent.name if unit and unit.parent else None
        # where signature.sign_pdf() plugs in once units have certificates
        return render_pdf(
            self.answer_unit or config.hotline_name, self.code,
            config.province or '', to_local(self.approved_at).date(),
            self.answer_text, superior=superior)

    def _annex_attachment(self):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        with without_check_access():
            attachments = Attachment.search([
                    ('resource', '=', str(self)),
                    ('pakn_kind', '=', KIND),
                    ('name', '=', file_name(self.code)),
                    ], order=[('id', 'DESC')], limit=1)
        return attachments[0] if attachments else None

    def annex_pdf(self):
        "Return the bytes of the stored Annex I PDF, None without one"
        attachment = self._annex_attachment()
        if attachment and attachment.data:
            return bytes(attachment.data)
        return None
