# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import phonenumbers

from trytond.i18n import gettext
from trytond.modules.pakn_helpdesk.common import REGION, normalize_phone

from .exceptions import MobileNumberError

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }


def is_mobile(number):
    "Whether a valid number (any format) can receive SMS"
    if not number:
        return False
    try:
        parsed = phonenumbers.parse(number, REGION)
    except phonenumbers.NumberParseException:
        return False
    return (phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) in MOBILE_TYPES)


def normalize_mobile(value):
    "Return value in E.164 or raise if it is not a valid mobile number"
    if not value:
        return value
    number = normalize_phone(value.strip())
    if not is_mobile(number):
        raise MobileNumberError(gettext(
                'pakn_sms.msg_not_mobile', phone=value))
    return number
