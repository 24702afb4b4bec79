# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from trytond.i18n import gettext

from .exceptions import EmailError, PhoneNumberError

REGION = 'VN'


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


def normalize_contact_values(values, phone_fields=(), email_fields=()):
    "Normalise in place the phone and email fields present in values"
    for name in phone_fields:
        if values.get(name):
            values[name] = normalize_phone(values[name].strip())
    for name in email_fields:
        if values.get(name):
            values[name] = check_email(values[name])
    return values


def now():
    """The current instant (naive UTC).

    Tests may set the clock with the context key pakn_now; outside tests
    the context cannot move it, so nobody backdates a case's history."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if Pool.test:
        instant = Transaction().context.get('pakn_now')
        if instant:
            return instant
    return dt.datetime.now().replace(microsecond=0)


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
