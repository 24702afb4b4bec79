# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Tracking on the portal: the submitter finds their case by its code and
their phone, and sees its public steps and the date promised (the address
of that page, which the SMS to the submitter carry, is in
configuration.py)."""
import hmac
import re

from trytond.modules.pakn_helpdesk.common import (
    normalize_phone,
    normalize_text,
)
from trytond.modules.pakn_helpdesk.exceptions import PhoneNumberError
from trytond.modules.pakn_helpdesk.lifecycle import (
    CLOSED_STATES,
    PUBLIC_EVENTS,
)
from trytond.pool import PoolMeta
from trytond.transaction import without_check_access

CODE_PATTERN = re.compile(r'^[A-Z0-9]+(-[A-Z0-9]+){1,4}$')


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    # Called by the Flask site, whose transactions do not check Tryton's
    # access rights: these methods are the only gate, each checks what the
    # citizen may do and returns only what the citizen may see

    @classmethod
    def portal_find(cls, code, phone):
        """The case of the code if the phone is its submitter's, else None:
        the same answer for an unknown code and for a wrong phone"""
        code = normalize_text(code or '').strip().upper()
        if not CODE_PATTERN.match(code):
            return None
        try:
            phone = normalize_phone(normalize_text(phone or '').strip())
        except PhoneNumberError:
            return None
        if not phone:
            return None
        with without_check_access():
            tickets = cls.search([
                    ('code', '=', code),
                    ('state_secret', '=', False),
                    ], limit=1)
            if not tickets:
                return None
            ticket, = tickets
            if hmac.compare_digest(
                    (ticket.submitter_phone or '').encode(), phone.encode()):
                return ticket
        return None

    def portal_timeline(self):
        """The steps of the case its submitter sees, oldest first: dicts of
        date, type, unit and detail (never a staff note)"""
        with without_check_access():
            events = [e for e in self.events if e.type in PUBLIC_EVENTS]
            extensions = sorted(self.extensions, key=lambda e: e.date)
            steps = []
            for event in sorted(events, key=lambda e: (e.date, e.id)):
                step = {
                    'date': event.date,
                    'type': event.type,
                    'unit': None,
                    'detail': None,
                    'promised': None,
                    }
                if event.type in {'forwarded', 'accepted'}:
                    unit = event.unit or self.lead_unit
                    step['unit'] = unit.name if unit else None
                elif event.type == 'extended' and extensions:
                    extension = extensions.pop(0)
                    step['promised'] = extension.promised
                elif event.type == 'clarification_requested':
                    step['detail'] = self.clarification_request
                elif event.type in {'temporary_fix', 'delay_explained'}:
                    # the unit's own words for the submitter (KH2022 Đ10
                    # b3, Đ3 k5)
                    step['detail'] = event.content
                elif event.type == 'rejected':
                    step['detail'] = '\n\n'.join(filter(None, [
                                self.reject_reason, self.guidance]))
                # A duplicate's step names no other case: its code would
                # disclose another submission (the site says that a case
                # with the same content was already received)
                steps.append(step)
        return steps

    def portal_due(self):
        "The date the answer is promised for, while the case is open"
        if self.state in CLOSED_STATES:
            return None
        with without_check_access():
            running = [d for d in self.deadlines if d.state == 'running']
            # the date promised by an extension still running, else the
            # final limit, else the unit's next limit
            for rows in [
                    [d for d in running
                        if d.first_due and d.due != d.first_due],
                    [d for d in running if d.final],
                    [d for d in running if d.role != 'operator'],
                    ]:
                if rows:
                    return max(d.due for d in rows)
        return None
