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

Signature: when the answering unit (the lead unit) has a signing method
(signing.py: a PKCS#12 file or a PKCS#11 token), Ticket._annex_data signs
the bytes of render_pdf() (PAdES B-T with the configured timestamp
authority, B-LT when the chain can be validated) before they are stored;
when signing fails the approval is refused (signing.SigningError) and
nothing is saved. Ticket.check_answer_pdf verifies a PDF for the portal's
page "Kiểm tra văn bản".
"""
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.modules.pakn_helpdesk.common import to_local
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from . import document, signing
from .exceptions import ReportValidationError

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


    @classmethod
    def validate_fields(cls, attachments, field_names):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        super().validate_fields(attachments, field_names)
        # No other file of a case takes the name of its answer document:
        # the citizen must not be shown a look-alike
        for attachment in attachments:
            resource = attachment.resource
            if (attachment.pakn_kind != KIND
                    and isinstance(resource, Ticket) and resource.id >= 0
                    and resource.code and (attachment.name or '').strip()
                    .lower() == file_name(resource.code).lower()):
                raise ReportValidationError(gettext(
                        'pakn_report.msg_annex_name_reserved',
                        name=attachment.name))


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
        data = render_pdf(
            self.answer_unit or config.hotline_name, self.code,
            config.province or '', to_local(self.approved_at).date(),
            self.answer_text, superior=superior)
        return signing.sign(unit, data)

    @classmethod
    def check_answer_pdf(cls, data):
        """Check that data (PDF bytes) is an unaltered answer signed by a
        configured unit; the interface of the portal's "Kiểm tra văn bản".

        Return a dict: 'valid' (the signature is intact and chains to the
        configured trust roots, and its certificate is one of a unit's),
        'reason' (why not, translated, else None), 'unit' (the name of the
        unit when valid), 'signed_at' (naive UTC: the timestamp's time,
        else the signing time claimed), 'code' (the case's code from the
        signed document's title when valid), 'signer' (the certificate's
        common name)."""
        return signing.check(data)

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
