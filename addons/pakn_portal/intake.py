# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The intake of the portal: the case a citizen submits, checked field by
field, with its files recognised by their content, and the duplicates of
a double click or of another browser."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.pakn_helpdesk.common import (
    check_email,
    fold,
    normalize_phone,
    normalize_text,
    now,
)
from trytond.modules.pakn_helpdesk.exceptions import (
    EmailError,
    PhoneNumberError,
)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import SubmissionError, UploadError
from .upload import detect, safe_name

# The fields a citizen fills in on the portal
SUBMISSION_FIELDS = [
    'submitter_type', 'submitter_name', 'submitter_address',
    'submitter_phone', 'submitter_email', 'content', 'matter_place',
    'matter_time', 'field', 'confidential']


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    consent_at = fields.DateTime(
        "Consent Given at", readonly=True,
        help="When the submitter consented on the portal to the processing "
        "of their personal data (Decree 13/2023/NĐ-CP).")

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('consent_at')
        return super().copy(tickets, default=default)

    # Called by the Flask site, whose transactions do not check Tryton's
    # access rights: these methods are the only gate, each checks what the
    # citizen may do and returns only what the citizen may see

    @classmethod
    def portal_submit(cls, values, files=(), known=()):
        """Create the case a citizen submits on the portal and attach the
        files, given as (name, bytes); return (case, duplicate).

        known are the codes of the cases that the caller may already see
        (those its browser submitted or tracked with their phone). The
        same content from the same phone within the configuration's window
        is a duplicate:
        - of a known case (a double click, a reload): that case is
          returned with duplicate True and nothing is created;
        - of another case: a new case is created all the same, with its
          files, linked to the first by duplicate_of and left received for
          the operator to confirm; duplicate is False. The caller learns
          nothing of the other case: its code is never returned."""
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        Channel = pool.get('pakn.channel')
        Attachment = pool.get('ir.attachment')
        config = Configuration(1)
        values = cls._portal_values(values)
        errors = cls.portal_errors(values)
        if errors:
            field, message = next(iter(errors.items()))
            raise SubmissionError(message, field=field)
        values['submitter_phone'] = normalize_phone(values['submitter_phone'])
        values['submitter_email'] = check_email(values['submitter_email'])
        files = list(files)
        if len(files) > config.portal_max_files:
            raise UploadError(gettext(
                    'pakn_portal.msg_upload_too_many',
                    count=config.portal_max_files), field='attachments')
        attachments = []
        for name, data in files:
            attachments.append(cls._portal_attachment(config, name, data))
        values['confidential'] = bool(values['confidential'])

        with without_check_access():
            duplicates = cls._portal_duplicates(config, values)
            for duplicate in duplicates:
                if duplicate.code in known:
                    return duplicate, True
            channel, = Channel.search([('code', '=', 'web')], limit=1)
            values.update({
                    'channel': channel.id,
                    'operator': None,
                    'consent_at': now(),
                    })
            if duplicates:
                first = duplicates[-1]
                values['duplicate_of'] = (first.duplicate_of or first).id
            ticket, = cls.create([values])
            if attachments:
                Attachment.create([dict(a, resource=str(ticket))
                        for a in attachments])
        return ticket, False

    @classmethod
    def _portal_values(cls, values):
        values = {k: normalize_text(values.get(k))
            for k in SUBMISSION_FIELDS}
        for name in ['submitter_name', 'submitter_address',
                'submitter_phone', 'submitter_email', 'content',
                'matter_place']:
            if isinstance(values[name], str):
                values[name] = values[name].strip() or None
        if values['submitter_type'] not in {'person', 'organisation'}:
            values['submitter_type'] = 'person'
        return values

    @classmethod
    def portal_errors(cls, values):
        """What is wrong with the values of a submission, all at once: a
        dict of field name and message, in the order of the form"""
        values = cls._portal_values(values)
        errors = {}
        for name, message in [
                ('submitter_name', 'msg_submit_name_required'),
                ('submitter_phone', 'msg_submit_phone_required'),
                ('content', 'msg_submit_content_required'),
                ]:
            if not values[name]:
                errors[name] = gettext('pakn_portal.' + message)
        try:
            normalize_phone(values['submitter_phone'])
        except PhoneNumberError as exception:
            errors['submitter_phone'] = exception.message
        try:
            check_email(values['submitter_email'])
        except EmailError as exception:
            errors['submitter_email'] = exception.message
        order = ['submitter_name', 'submitter_phone', 'submitter_email',
            'content']
        return {k: errors[k] for k in order if k in errors}

    @classmethod
    def _portal_attachment(cls, config, name, data):
        kind = detect(data)
        if kind is None:
            raise UploadError(gettext(
                    'pakn_portal.msg_upload_type', name=name),
                field='attachments')
        kind, extension, _ = kind
        limit = config.portal_size_limit(kind)
        if len(data) > limit:
            raise UploadError(gettext(
                    'pakn_portal.msg_upload_size', name=name,
                    size=limit // (1024 * 1024)),
                field='attachments')
        return {
            'name': safe_name(name, extension),
            'data': data,
            'type': 'data',
            'pakn_kind': 'submission',
            }

    @classmethod
    def _portal_duplicates(cls, config, values):
        """The cases submitted on the portal within the window with the
        phone and the content (folded) of values, the newest first"""
        since = now() - dt.timedelta(minutes=config.portal_duplicate_window)
        content = ' '.join(fold(values['content']).split())
        return [ticket for ticket in cls.search([
                    ('submitter_phone', '=', values['submitter_phone']),
                    ('received_at', '>=', since),
                    ('consent_at', '!=', None),
                    ], order=[('id', 'DESC')], limit=20)
            if ' '.join(fold(ticket.content).split()) == content]
