# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What citizens give back on the portal: the rating of an answer and their
follow-up questions, which the unit answers; and the public projection of
a case (what the portal may show)."""
import datetime as dt
import hmac
import re
import unicodedata

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from trytond.modules.pakn_helpdesk.common import (
    check_email, normalize_phone, normalize_text, now)
from trytond.modules.pakn_helpdesk.exceptions import (
    EmailError, PhoneNumberError)
from trytond.modules.pakn_helpdesk.lifecycle import (
    CLOSED_STATES, DELIVERED_STATES, PUBLIC_EVENTS, PUBLIC_STATES)
from trytond.modules.pakn_helpdesk.model import IntegrityMixin

from .exceptions import (
    FollowUpError, RatingError, SubmissionError, UploadError)
from .publication import fold
from .upload import detect, safe_name

RATINGS = [
    ('very_satisfied', "Very Satisfied"),
    ('satisfied', "Satisfied"),
    ('acceptable', "Acceptable"),
    ('not_satisfied', "Not Satisfied"),
    ]
# The values of each rating scale of the regulation profiles; a profile
# without a scale rates as GL2021 Art. 14 does
SCALES = {
    'satisfied_acceptable': ['satisfied', 'acceptable', 'not_satisfied'],
    'very_satisfied': ['very_satisfied', 'satisfied', 'not_satisfied'],
    None: ['satisfied', 'acceptable', 'not_satisfied'],
    }
# The fields a citizen fills in on the portal
SUBMISSION_FIELDS = [
    'submitter_type', 'submitter_name', 'submitter_address',
    'submitter_phone', 'submitter_email', 'content', 'matter_place',
    'matter_time', 'field', 'confidential']
CODE_PATTERN = re.compile(r'^[A-Z0-9]+(-[A-Z0-9]+){1,4}$')


def mask_name(name):
    """The name of a person as the public may see it: the family name and
    the initials of the others ("Nguyễn Văn An" gives "Nguyễn V. A."),
    with their diacritics ("Ánh" gives "Á.", whether typed in NFC or NFD)"""
    words = normalize_text(name or '').split()
    if not words:
        return ''
    if len(words) == 1:
        return initial(words[0]) + '.'
    return ' '.join([words[0]] + [initial(w) + '.' for w in words[1:]])


def initial(word):
    "The first letter of word with the marks that combine with it"
    end = 1
    while end < len(word) and unicodedata.combining(word[end]):
        end += 1
    return word[:end]


class Rating(IntegrityMixin, ModelSQL, ModelView):
    __name__ = 'pakn.portal.rating'
    __string__ = "PAKN Rating"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
    value = fields.Selection(
        RATINGS, "Rating", required=True, readonly=True, sort=False)
    reason = fields.Text("Reason", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT',
        help="The unit that answered.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_constraints += [
            ('ticket_unique', Unique(t, t.ticket),
                'pakn_portal.msg_rating_once'),
            ]
        cls._sql_indexes.add(Index(t, (t.unit, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, ratings, values=None, external=False):
        super().check_modification(
            mode, ratings, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise RatingError(gettext('pakn_portal.msg_rating_final'))


class FollowUp(IntegrityMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'pakn.portal.followup'
    __string__ = "PAKN Follow-up Question"

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT',
        help="The unit that must answer: the one that answered the case.")
    question = fields.Text("Question", required=True, readonly=True)
    asked_at = fields.DateTime("Asked at", required=True, readonly=True)
    answer = fields.Text("Answer", states={
            'readonly': Eval('state') != 'open',
            'required': Eval('state') == 'answered',
            })
    answered_by = fields.Many2One(
        'res.user', "Answered by", readonly=True, ondelete='RESTRICT')
    answered_at = fields.DateTime("Answered at", readonly=True)
    state = fields.Selection([
            ('open', "Waiting for the Answer"),
            ('answered', "Answered"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.update({
                Index(t, (t.ticket, Index.Range())),
                Index(t, (t.unit, Index.Range()),
                    where=t.state == 'open'),
                })
        cls._order = [('asked_at', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {('open', 'answered')}
        cls._buttons.update({
                'reply': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'open'

    @classmethod
    def check_modification(cls, mode, followups, values=None, external=False):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        super().check_modification(
            mode, followups, values=values, external=external)
        # The answer is the unit's (reply checks it too): the access to the
        # case, which Tryton adds to that of its follow-up questions, lets
        # the operator write the case but not answer for the unit
        if external and mode == 'write' and not Ticket._is_office() and (
                ModelData.get_id('pakn_helpdesk', 'group_admin')
                not in User.get_groups()):
            Ticket._check_unit_role([f.ticket for f in followups])

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def reply(cls, followups):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        for followup in followups:
            if not (followup.answer or '').strip():
                raise FollowUpError(gettext(
                        'pakn_portal.msg_followup_answer_required',
                        ticket=followup.ticket.rec_name))
        Ticket._check_unit_role([f.ticket for f in followups])
        cls.write(followups, {
                'answered_by': Transaction().user or None,
                'answered_at': now(),
                })


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    public = fields.Function(
        fields.Boolean(
            "Public", help="The answer is published on the portal."),
        'get_public', searcher='search_public')
    submitter_public_name = fields.Function(
        fields.Char("Submitter (public)"), 'get_submitter_public_name')
    rating = fields.One2Many(
        'pakn.portal.rating', 'ticket', "Rating", readonly=True)
    consent_at = fields.DateTime(
        "Consent Given at", readonly=True,
        help="When the submitter consented on the portal to the processing "
        "of their personal data (Decree 13/2023/NĐ-CP).")
    followups = fields.One2Many(
        'pakn.portal.followup', 'ticket', "Follow-up Questions",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event_reactions.append((20, 'portal_react'))

    @classmethod
    def _public_domain(cls):
        return [
            ('state', 'in', PUBLIC_STATES),
            ('confidential', '=', False),
            ('state_secret', '=', False),
            ('events', 'where', [('type', '=', 'published')]),
            ]

    @classmethod
    def get_public(cls, tickets, name):
        with without_check_access():
            public = set(map(int, cls.search([
                            ('id', 'in', [t.id for t in tickets]),
                            *cls._public_domain()])))
        return {t.id: t.id in public for t in tickets}

    @classmethod
    def search_public(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return cls._public_domain()
        return ['OR',
            ('state', 'not in', PUBLIC_STATES),
            ('confidential', '=', True),
            ('state_secret', '=', True),
            ('events', 'not where', [('type', '=', 'published')]),
            ]

    def get_submitter_public_name(self, name):
        if self.state_secret or self.confidential:
            return None
        if self.submitter_type == 'organisation':
            return self.submitter_name
        return mask_name(self.submitter_name)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('rating')
        default.setdefault('followups')
        default.setdefault('consent_at')
        return super().copy(tickets, default=default)

    def rating_values(self):
        "The values of the rating scale of the case's regulation profile"
        scale = self.sla_profile.rating_scale if self.sla_profile else None
        return SCALES.get(scale, SCALES[None])

    @classmethod
    def rate(cls, ticket, value, reason=None):
        """Record the submitter's rating of the answer, once; return it.
        The portal checks who the submitter is (code and phone)."""
        pool = Pool()
        Rating = pool.get('pakn.portal.rating')
        reason = (reason or '').strip() or None
        if ticket.state not in DELIVERED_STATES or not ticket.answered_at:
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_not_answered',
                    ticket=ticket.rec_name))
        if value not in ticket.rating_values():
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_value', ticket=ticket.rec_name))
        profile = ticket.sla_profile
        if (value == 'not_satisfied' and not reason
                and profile and profile.rating_reason_required):
            raise RatingError(gettext(
                    'pakn_portal.msg_rating_reason',
                    profile=profile.rec_name))
        with without_check_access():
            if Rating.search([('ticket', '=', ticket.id)]):
                raise RatingError(gettext(
                        'pakn_portal.msg_rating_once'))
            rating, = Rating.create([{
                        'ticket': ticket.id,
                        'value': value,
                        'reason': reason,
                        'date': now(),
                        'unit': ticket.lead_unit.id
                        if ticket.lead_unit else None,
                        }])
        return rating

    @classmethod
    def ask(cls, ticket, question):
        """Record a follow-up question of the submitter, routed to the unit
        that answered; return it"""
        pool = Pool()
        FollowUp = pool.get('pakn.portal.followup')
        question = (question or '').strip()
        if not question:
            raise FollowUpError(gettext(
                    'pakn_portal.msg_followup_question_required'))
        if ticket.state not in DELIVERED_STATES or not ticket.answered_at:
            raise FollowUpError(gettext(
                    'pakn_portal.msg_followup_not_answered',
                    ticket=ticket.rec_name))
        with without_check_access():
            followup, = FollowUp.create([{
                        'ticket': ticket.id,
                        'question': question,
                        'asked_at': now(),
                        'unit': ticket.lead_unit.id
                        if ticket.lead_unit else None,
                        }])
        return followup

    @classmethod
    def portal_react(cls, tickets, events):
        """Write the public rows of published cases; withdraw those of
        cases marked confidential"""
        pool = Pool()
        Publication = pool.get('pakn.portal.publication')
        if not events:
            return
        type_ = events[0].type
        with without_check_access():
            if type_ == 'published':
                Publication.publish(tickets, events[0].date)
            elif type_ == 'confidentiality_raised':
                Publication.withdraw(tickets)

    # The portal: these methods are called by the Flask site, which runs
    # as a user without rights; each checks what the citizen may do.

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
