# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import contextvars
import datetime as dt
import unicodedata
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from trytond.i18n import gettext

from .exceptions import EmailError, PhoneNumberError

REGION = 'VN'
# The Unicode general categories removed from every text: controls (Cc:
# C0, DEL and C1, but newline and tab are kept), format characters (Cf:
# invisible characters that reorder or hide text, among them the
# bidirectional marks U+200E, U+200F, U+061C, embeddings and overrides
# U+202A-U+202E, isolates U+2066-U+2069, the zero-width space U+200B, the
# byte order mark U+FEFF, the joiners U+200C, U+200D, the soft hyphen and
# the tags) and lone surrogates (Cs), which no database encoding stores
REMOVED_CATEGORIES = {'Cc', 'Cf', 'Cs'}
KEPT_CONTROLS = {'\n', '\t'}
# Characters without a decomposition into a letter and marks
_FOLD = str.maketrans({
        'đ': 'd', 'Đ': 'D',
        '–': '-', '—': '-', '‘': "'", '’': "'", '“': '"', '”': '"',
        '…': '...', '\u00a0': ' ',
        })
UTC = dt.timezone.utc
DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh'


def normalize_phone(value):
    """Return the phone number in E.164 (+84...) or raise PhoneNumberError.

    Numbers are read as Vietnamese unless they carry a country code."""
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneNumberError(gettext(
                'pakn_helpdesk.msg_phone_invalid', phone=value))
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


def check_email(value):
    if not value:
        return value
    try:
        info = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise EmailError(gettext(
                'pakn_helpdesk.msg_email_invalid', email=value))
    return info.normalized


def normalize_text(value):
    """Return the text as the system stores and searches it: in Unicode
    NFC, line ends as LF, without control or format characters.

    The same words typed on different keyboards (precomposed "Ễ" or "E"
    with combining marks: NFC and NFD) become the same characters, so they
    compare, search and fold alike; CR LF and CR become LF; controls other
    than newline and tab are removed, and so are the invisible format
    characters (category Cf) that could reorder the text shown (the
    bidirectional overrides, "RLO") or hide characters in a name or a code
    (zero-width space, joiners, BOM). The zero-width joiners U+200C and
    U+200D go too: Vietnamese and English never need them, and kept they
    make two names that look identical differ for search and for the
    duplicate rule; the price is that an emoji sequence joined by U+200D
    shows as its separate emoji. Values that are not text are returned as
    they are."""
    if not isinstance(value, str) or not value:
        return value
    if value.isascii() and value.isprintable():
        return value
    value = value.replace('\r\n', '\n').replace('\r', '\n')
    value = ''.join(c for c in value
        if c in KEPT_CONTROLS
        or unicodedata.category(c) not in REMOVED_CATEGORIES)
    return unicodedata.normalize('NFC', value)


def _without_marks(text, form):
    "text decomposed in form (NFD, NFKD) without its combining marks"
    return ''.join(c for c in unicodedata.normalize(form, text)
        if not unicodedata.combining(c))


def strip_diacritics(text):
    """The text without its diacritics, its case and other characters
    kept: "Đường NGẬP" gives "Duong NGAP", dashes and quotes become ASCII
    (SMS in GSM 7-bit, which has no other)"""
    return unicodedata.normalize(
        'NFC', _without_marks(text.translate(_FOLD), 'NFD'))


def fold(text):
    """The text lower-cased without its diacritics, in compatibility forms
    ("ﬁ" gives "fi"): "Đường NGẬP" gives "duong ngap" (searches on SQLite,
    the words of a query, slugs, comparisons of what citizens typed). The
    text is normalised first, so NFC and NFD fold the same."""
    text = normalize_text(text or '').replace('đ', 'd').replace('Đ', 'D')
    return _without_marks(text, 'NFKD').lower()


def zone(name=None):
    """The ZoneInfo of the timezone name, or of the province's
    (pakn.configuration) when name is None"""
    if name is None:
        from trytond.pool import Pool
        name = Pool().get('pakn.configuration')(1).timezone
    return name if isinstance(name, ZoneInfo) else ZoneInfo(
        name or DEFAULT_TIMEZONE)


def to_local(instant, timezone=None):
    """The naive UTC instant (how the database stores them) as an aware
    datetime in timezone (a name or a ZoneInfo; the province's when None)"""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(zone(timezone))


def to_utc(local, timezone=None):
    """The naive UTC instant of local: an aware datetime, a naive one read
    in timezone (the province's when None), or a date (its midnight)"""
    if local is None:
        return None
    if not isinstance(local, dt.datetime):
        local = dt.datetime.combine(local, dt.time())
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def normalize_contact_values(values, phone_fields=(), email_fields=()):
    "Normalise in place the phone and email fields present in values"
    for name in phone_fields:
        if values.get(name):
            values[name] = normalize_phone(values[name].strip())
    for name in email_fields:
        if values.get(name):
            values[name] = check_email(values[name])
    return values


_clock = contextvars.ContextVar('pakn_clock', default=None)


def now():
    """The current instant (naive UTC).

    Tests may set the clock with the context key pakn_now; outside tests
    the context cannot move it, so nobody backdates a case's history over
    RPC. A script running the modules in its own process (the demo data)
    sets it with `clock`."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if Pool.test:
        instant = Transaction().context.get('pakn_now')
        if instant:
            return instant
    instant = _clock.get()
    if instant:
        return instant
    return dt.datetime.now().replace(microsecond=0)


@contextmanager
def clock(instant):
    """Make now() return instant (naive UTC) in this thread until the end of
    the block: for scripts that run the modules in their own process, such
    as the demo data, never reachable by a client"""
    token = _clock.set(instant)
    try:
        yield
    finally:
        _clock.reset(token)


@contextmanager
def step():
    """A transaction of its own, committed at the end of the block, for
    the work of a worker that must survive what follows it (the SMS
    outbox, the scheduled reports' emails).

    In the module tests (Pool.test) a step is part of the test's
    transaction, which is rolled back at the end and which a separate
    transaction could not see; the commits themselves are tested with a
    real worker process on a real database (tests/test_sms_crash.py)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction, without_check_access
    transaction = Transaction()
    if Pool.test:
        yield transaction
    else:
        with transaction.new_transaction() as new, \
                without_check_access():
            yield new
            new.commit()


def search_code_or_name(clause):
    "Domain searching a record's rec_name clause on its code or its name"
    _, operator, operand, *extra = clause
    if operator.startswith('!') or operator.startswith('not '):
        bool_op = 'AND'
    else:
        bool_op = 'OR'
    return [bool_op,
        ('code', operator, operand, *extra),
        ('name', operator, operand, *extra),
        ]
