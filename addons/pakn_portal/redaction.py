# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Redaction: personal data typed into a citizen's content never reaches a
public page.

- Detection (pure functions, no database): `find_personal_data` finds
  Vietnamese phone numbers (through `phonenumbers`), emails, 9- and
  12-digit ID numbers (CMND, CCCD), house numbers with their street and
  vehicle plates in a text; `mask` replaces each by MASK_TOKEN.
- The public copy of the question (`public_question` on the case): filled
  with the masked content when the case is submitted for approval,
  editable by the approver while the case waits for approval or is
  approved. The copy may differ from the original only by spans replaced
  with MASK_TOKEN: staff may hide a citizen's words, never rewrite them;
  restoring a masked span (a false positive) is allowed.
- Publishing publishes the copy as the approver left it (detection
  pre-masked it; what the approver restored was restored on purpose) and
  records each masked span in `pakn.portal.redaction`: who, when, the
  original text, detected or masked by hand. These rows are append-only.
"""
import re
import unicodedata

import phonenumbers
from phonenumbers import Leniency

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.pakn_helpdesk.common import now
from trytond.modules.pakn_helpdesk.model import AppendOnlyMixin, IntegrityMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import RedactionError
from .model import CaseRecordMixin

# What replaces each hidden span in the public text: one Vietnamese token,
# the same in every language of the portal, since the text it stands in is
# the citizen's Vietnamese ("[hidden]")
MASK_TOKEN = '[đã ẩn]'
# The kinds of personal data detected, in the order of precedence when two
# detections overlap
KINDS = [
    ('email', "Email"),
    ('plate', "Vehicle Plate"),
    ('phone', "Phone Number"),
    ('id_number', "ID Number"),
    ('address', "Home Address"),
    ]
_PRECEDENCE = {k: i for i, (k, _) in enumerate(KINDS)}

EMAIL = re.compile(
    r'(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])')
# A CMND (9 digits) or CCCD (12 digits), digits possibly grouped by single
# spaces or dots, not a part of a longer number
ID_NUMBER = re.compile(
    r'(?<!\d)(?<!\d[ .])(?:\d(?:[ .]?\d){11}|\d(?:[ .]?\d){8})(?![ .]?\d)')
# A sum of money written with dots ("150.000.000 đồng") is not an ID
MONEY_AFTER = re.compile(
    r'\s*(?:đồng|đ\b|₫|vnđ|vnd|triệu|tỷ|tỉ|nghìn|ngàn)', re.IGNORECASE)
# A phone number written without separators, whatever is before it
GLUED_PHONE = re.compile(r'(?<![\d+])(?:\+84|84|0)\d{9,10}(?!\d)')
# Vehicle plates: "29A-123.45", "51F-12345", "59-X1 123.45", "30E1 234.56"
PLATE = re.compile(
    r'(?<![\w.])\d{2}[- ]?[A-Z]{1,2}\d?[- .]?(?:\d{3}\.\d{2}|\d{4,5})'
    r'(?![\w])')

_UPPER = (
    'A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ')
# A word of a proper name: a capital, then lower-case letters ("Lê",
# "Lợi", "Huế"), not an acronym ("UBND")
_NAME_WORD = r'[%s](?:[^\W\d_](?<![%s]))+' % (_UPPER, _UPPER)
_NAMES = r'%s(?:\s+%s){0,4}' % (_NAME_WORD, _NAME_WORD)
# A house number: digits, letters after them, slashes ("12", "45B",
# "12/3", "123/4A")
_HOUSE = r'\d{1,5}[A-Z]?(?:/\d{1,5}[A-Z]?)*'
_STREET = r'(?i:đường|phố|ngõ|ngách|hẻm|hẽm|kiệt|quốc\s+lộ|tỉnh\s+lộ)'
_NUMBER = r'(?i:số)'
# One part of an address after the house number: "đường Lê Lợi",
# "ngõ 12", "hẻm 123 Lê Văn Sỹ", "phố Huế", "đường số 5"
_SEGMENT = (r'%s\s+(?:%s\s+)?(?:%s(?:\s+%s)?|%s)'
    % (_STREET, _NUMBER, _HOUSE, _NAMES, _NAMES))
_SEGMENTS = r'%s(?:\s*,?\s*%s)*' % (_SEGMENT, _SEGMENT)
_PREFIX = r'(?i:số\s+nhà|nhà\s+số)'
ADDRESS = re.compile('|'.join([
            # "số nhà 45 ngõ 12 phố Huế", "nhà số 7, hẻm 123 Lê Văn Sỹ",
            # "số nhà 12" (alone: the words say it is a house)
            r'%s\s+%s(?:\s*,?\s*%s)?' % (_PREFIX, _HOUSE, _SEGMENTS),
            # "số 12 đường Lê Lợi", "45 ngõ 12 phố Huế"
            r'(?:%s\s+)?%s\s*,?\s*%s' % (_NUMBER, _HOUSE, _SEGMENTS),
            # "12/3 Nguyễn Trãi", "45B Trần Hưng Đạo": a number with a
            # slash or a letter before a name
            r'(?:%s\s+)?\d{1,5}(?:[A-Z]|/\d{1,5}[A-Z]?)'
            r'(?:/\d{1,5}[A-Z]?)*\s+%s' % (_NUMBER, _NAMES),
            # "12 Nguyễn Trãi": a plain number before a name of two words
            # (not a year: "năm 2023 Nguyễn Văn An")
            r'(?:%s\s+)?\d{1,3}\s+%s(?:\s+%s){1,4}' % (
                _NUMBER, _NAME_WORD, _NAME_WORD),
            ]))
_BOUNDARY = re.compile(r'\w')


def normalize(text):
    "The text in NFC, as every detection works on it"
    return unicodedata.normalize('NFC', text or '')


def _address_spans(text):
    for match in ADDRESS.finditer(text):
        start, end = match.span()
        # not in the middle of a word or a number
        if start and _BOUNDARY.match(text[start - 1]):
            continue
        yield start, end, 'address'


def _phone_spans(text):
    for match in phonenumbers.PhoneNumberMatcher(
            text, 'VN', leniency=Leniency.VALID):
        yield match.start, match.end, 'phone'
    # The matcher skips numbers glued to a word ("sđt0912345678")
    for match in GLUED_PHONE.finditer(text):
        try:
            number = phonenumbers.parse(match.group(), 'VN')
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            yield match.start(), match.end(), 'phone'


def _id_spans(text):
    for match in ID_NUMBER.finditer(text):
        start, end = match.span()
        if '.' in match.group() and MONEY_AFTER.match(text, end):
            continue
        yield start, end, 'id_number'


def find_personal_data(text):
    """The spans of personal data in text (normalised to NFC first: the
    offsets are those of the NFC text), as sorted, non-overlapping
    (start, end, kind) tuples; kind is a key of KINDS"""
    text = normalize(text)
    spans = []
    spans.extend((m.start(), m.end(), 'email') for m in EMAIL.finditer(text))
    spans.extend((m.start(), m.end(), 'plate') for m in PLATE.finditer(text))
    spans.extend(_phone_spans(text))
    spans.extend(_id_spans(text))
    spans.extend(_address_spans(text))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), _PRECEDENCE[s[2]]))
    merged = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, last_kind = merged[-1]
            if end > last_end:
                merged[-1] = (last_start, end, last_kind)
            continue
        merged.append((start, end, kind))
    return merged


def mask(text):
    """The text (in NFC) with each span of personal data replaced by
    MASK_TOKEN, and the list of {'kind', 'original'} replaced, in order"""
    text = normalize(text)
    parts, items, position = [], [], 0
    for start, end, kind in find_personal_data(text):
        parts.append(text[position:start])
        parts.append(MASK_TOKEN)
        items.append({'kind': kind, 'original': text[start:end]})
        position = end
    parts.append(text[position:])
    return ''.join(parts), items


def masked_spans(original, copy):
    """The spans of original that copy hides, as (start, end) of the NFC
    original; None when copy differs from original otherwise than by
    spans replaced with MASK_TOKEN (a rewrite, a deletion, an addition,
    a token hiding nothing).

    The copy is the parts between its tokens; original must be those parts
    in order with some text in the place of each token. A part is placed
    where a detection of the original ends if it can be (the approver
    hides what was detected), else at its first place: the first places
    find a way whenever there is one, so they are the fallback. (A
    difflib.SequenceMatcher alignment was tried first: it may align a
    dot of the hidden text with the one after the token, and then report
    a deletion instead of a hidden span.)"""
    original = normalize(original)
    parts = normalize(copy).split(MASK_TOKEN)
    if len(parts) == 1:
        return [] if parts[0] == original else None
    ends = {}
    for start, end, _ in find_personal_data(original):
        ends.setdefault(start, end)
    for prefer in [True, False]:
        spans = _place(original, parts, ends if prefer else {})
        if spans is not None:
            return spans
    return None


def _place(original, parts, ends):
    first, *middle, last = parts
    if not original.startswith(first):
        return None
    position, spans = len(first), []
    for part in middle:
        found = -1
        end = ends.get(position)
        if end is not None and original.startswith(part, end):
            found = end
        if found < 0:
            found = original.find(part, position + 1)
        if found < 0:
            return None
        spans.append((position, found))
        position = found + len(part)
    end = len(original) - len(last)
    if end <= position or not original.endswith(last):
        return None
    spans.append((position, end))
    return spans


def classify(original, spans):
    """The redactions of the spans of original (NFC): dicts of kind
    ('detected' when the span is one detection found, else 'manual'),
    data (the kind of personal data detected, if any) and original"""
    original = normalize(original)
    detected = {(s, e): k for s, e, k in find_personal_data(original)}
    redactions = []
    for start, end in spans:
        data = detected.get((start, end))
        if data is None:
            # the kind of a detection the span covers, if any
            data = next((k for (s, e), k in detected.items()
                    if s < end and start < e), None)
            kind = 'manual'
        else:
            kind = 'detected'
        redactions.append({
                'kind': kind,
                'data': data,
                'original': original[start:end],
                })
    return redactions


def public_text(ticket):
    "The public text of the question of the case: never unmasked"
    if ticket.public_question:
        return ticket.public_question
    return mask(ticket.content)[0]


class Redaction(
        CaseRecordMixin, AppendOnlyMixin, IntegrityMixin, ModelSQL,
        ModelView):
    __name__ = 'pakn.portal.redaction'
    __string__ = "PAKN Redaction"
    _append_only_message = 'pakn_portal.msg_redaction_modify'
    _append_only_by_server = True

    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT',
        help="Who published the case with this text hidden.")
    date = fields.DateTime("Date", required=True, readonly=True)
    kind = fields.Selection([
            ('detected', "Detected"),
            ('manual', "Masked by Staff"),
            ], "Kind", required=True, readonly=True, sort=False)
    data = fields.Selection(
        [(None, "")] + KINDS, "Personal Data", readonly=True, sort=False)
    original = fields.Text(
        "Original Text", required=True, readonly=True,
        help="The text of the content hidden on the public page.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


_COPY_STATES = ['waiting_approval', 'approved']
_hidden = Bool(Eval('confidential')) | Bool(Eval('state_secret'))


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    public_question = fields.Text(
        "Public Content",
        states={
            'readonly': ~Eval('state').in_(_COPY_STATES),
            'invisible': _hidden,
            },
        help="The content as the portal publishes it: personal data is "
        "hidden behind \"%s\". The approver may hide more, or restore "
        "what was hidden by mistake, never rewrite." % MASK_TOKEN)
    public_masked = fields.Function(
        fields.Text(
            "Hidden Items", states={'invisible': _hidden},
            help="What the public content hides: the kind of each item "
            "and its original text."),
        'on_change_with_public_masked')
    redactions = fields.One2Many(
        'pakn.portal.redaction', 'ticket', "Redactions", readonly=True,
        states={'invisible': _hidden})

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('public_question')
        default.setdefault('redactions')
        return super().copy(tickets, default=default)

    @classmethod
    def _data_labels(cls):
        "The labels of the kinds of personal data, in the user's language"
        pool = Pool()
        Redaction = pool.get('pakn.portal.redaction')
        labels = dict(Redaction.fields_get(['data'])['data']['selection'])
        labels['manual'] = dict(
            Redaction.fields_get(['kind'])['kind']['selection'])['manual']
        return labels

    @fields.depends(
        'content', 'public_question', 'confidential', 'state_secret')
    def on_change_with_public_masked(self, name=None):
        if (self.confidential or self.state_secret
                or not self.public_question):
            return None
        spans = masked_spans(self.content, self.public_question)
        if not spans:
            return None
        labels = self._data_labels()
        lines = []
        for redaction in classify(self.content, spans):
            key = (redaction['data'] if redaction['kind'] == 'detected'
                else 'manual')
            lines.append('%s: %s' % (
                    labels.get(key, key),
                    ' '.join(redaction['original'].split())))
        return '\n'.join(lines)

    @classmethod
    def check_modification(cls, mode, tickets, values=None, external=False):
        super().check_modification(
            mode, tickets, values=values, external=external)
        if mode == 'create':
            for ticket in tickets:
                ticket.check_public_question()
        elif (mode == 'write' and values
                and values.get('public_question')):
            for ticket in tickets:
                ticket.check_public_question(
                    values.get('content', ticket.content),
                    values['public_question'])

    @classmethod
    def on_modification(cls, mode, tickets, field_names=None):
        super().on_modification(mode, tickets, field_names=field_names)
        if mode == 'write' and field_names and 'state' in field_names:
            # The copy is edited while the case waits for approval or is
            # approved: it is filled when the case enters these states
            # (submit, approve)
            cls._fill_public_question([
                    t for t in cls.browse([t.id for t in tickets])
                    if t.state in _COPY_STATES])
        if (mode == 'write' and field_names
                and 'content' in field_names
                and 'public_question' not in field_names):
            # A corrected content: the copy of the former one is masked
            # anew (what the approver hid by hand is to hide again)
            to_write = []
            for ticket in tickets:
                if (ticket.public_question and masked_spans(
                            ticket.content, ticket.public_question) is None):
                    to_write.extend(([ticket], {
                                'public_question': (
                                    mask(ticket.content)[0] or None),
                                }))
            if to_write:
                cls.write(*to_write)

    def check_public_question(self, content=None, copy=None):
        "The public copy only hides spans of the content"
        if content is None:
            content = self.content
        if copy is None:
            copy = self.public_question
        if not copy:
            return
        if masked_spans(content, copy) is None:
            raise RedactionError(gettext(
                    'pakn_portal.msg_public_question_rewritten',
                    ticket=self.rec_name, token=MASK_TOKEN))

    @classmethod
    def _fill_public_question(cls, tickets):
        "Fill the empty public copies with the masked content"
        to_write = []
        for ticket in tickets:
            if (ticket.public_question or ticket.confidential
                    or ticket.state_secret or not ticket.content):
                continue
            to_write.extend(([ticket], {
                        'public_question': mask(ticket.content)[0],
                        }))
        if to_write:
            cls.write(*to_write)

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, tickets):
        # The copy is complete before the publication is written from it
        cls._fill_public_question(tickets)
        super().publish(tickets)
        cls._record_redactions(
            [t for t in cls.browse([t.id for t in tickets])
                if t.state == 'published'])

    @classmethod
    def _record_redactions(cls, tickets):
        "Store what the published copy of each case hides, and who hid it"
        pool = Pool()
        Redaction = pool.get('pakn.portal.redaction')
        instant = now()
        user = Transaction().user or None
        vlist = []
        for ticket in tickets:
            if ticket.confidential or ticket.state_secret:
                continue
            spans = masked_spans(ticket.content, public_text(ticket)) or []
            for redaction in classify(ticket.content, spans):
                vlist.append({
                        'ticket': ticket.id,
                        'user': user,
                        'date': instant,
                        **redaction,
                        })
        if vlist:
            with without_check_access():
                Redaction.create(vlist)
