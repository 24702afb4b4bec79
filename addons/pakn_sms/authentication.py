# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Two-factor login: after the password, a code sent by SMS to the user's
mobile, for the members of a group that asks for it.

Enabled by the login method pakn_sms after password in trytond's
configuration:

    [session]
    authentications = password+pakn_sms

The codes are those of authentication_sms (res.user.login.sms_code, with
its [authentication_sms] length and ttl); they go out at once through the
province's SMS gateway, not through the outbox."""
import logging
import time
from types import SimpleNamespace

from sql import Literal

import trytond.config as config
from trytond.exceptions import LoginException
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .exceptions import LoginCodeError
from .gateway import SendError

logger = logging.getLogger(__name__)
METHOD = 'pakn_sms'
PARAMETER = 'sms_code'


def send_code(text, to, from_=None):
    """Send text to the mobile number to through the gateway of the SMS
    configuration, now; return the provider's id or raise LoginCodeError.

    It has the signature of [authentication_sms] function, so that the
    sms login method of authentication_sms may use it too."""
    pool = Pool()
    Configuration = pool.get('pakn.configuration')
    gateway = Configuration(1).sms_gateway
    if not gateway or not gateway.active:
        logger.error("no SMS gateway to send a login code to %s", _mask(to))
        raise LoginCodeError(gettext('pakn_sms.msg_login_no_gateway'))
    body, encoding, segments = gateway.prepare(text)
    message = SimpleNamespace(
        recipient=to, body=body, encoding=encoding, segments=segments,
        reference='login-%x' % time.time_ns())
    try:
        provider_id = gateway.send(message)
    except SendError as e:
        logger.error("login code to %s not sent: %s", _mask(to), e)
        raise LoginCodeError(gettext(
                'pakn_sms.msg_login_code_not_sent', error=str(e))) from e
    logger.info("login code sent to %s through %s (%s)",
        _mask(to), gateway.rec_name, message.reference)
    return provider_id


def _mask(number):
    "The number with all but its last three digits hidden"
    number = number or ''
    return '•' * max(len(number) - 3, 0) + number[-3:]


def _follows_password():
    "Whether every login chain that uses pakn_sms checks a password first"
    for methods in config.get(
            'session', 'authentications', default='password').split(','):
        names = [m.split('?', 1)[0] for m in methods.split('+')]
        if METHOD in names and 'password' not in names[:names.index(METHOD)]:
            return False
    return True


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'

    pakn_two_factor = fields.Boolean(
        "Two-Factor Login",
        help="Members log in with their password and a code sent by SMS "
        "to their mobile (when the server's login methods include "
        "pakn_sms).")

    @classmethod
    def default_pakn_two_factor(cls):
        return False


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def pakn_needs_two_factor(cls, user_id):
        "Whether a group of the user, or a group they inherit, asks for it"
        pool = Pool()
        Group = pool.get('res.group')
        UserGroup = pool.get('res.user-res.group')
        group = Group.__table__()
        user_group = UserGroup.user_group_all_table()
        cursor = Transaction().connection.cursor()
        cursor.execute(*user_group
            .join(group, condition=user_group.group == group.id)
            .select(Literal(1),
                where=(user_group.user == user_id)
                & (group.active == Literal(True))
                & (group.pakn_two_factor == Literal(True)),
                limit=1))
        return cursor.fetchone() is not None

    @classmethod
    def _login_pakn_sms(cls, login, parameters):
        """After the password: ask the members of a two-factor group for
        the code sent to their mobile; let the others in"""
        pool = Pool()
        SMSCode = pool.get('res.user.login.sms_code')
        Configuration = pool.get('pakn.configuration')
        user_id = cls._get_login(login)[0]
        if not user_id:
            return None
        if not _follows_password():
            # pakn_sms alone would let users in without a password
            logger.error("login method %s must follow password in "
                "[session] authentications", METHOD)
            return None
        if not cls.pakn_needs_two_factor(user_id):
            return user_id
        user = cls(user_id)
        if not user.pakn_mobile:
            raise LoginCodeError(gettext(
                    'pakn_sms.msg_login_no_mobile', login=login))
        if PARAMETER in parameters:
            code = parameters[PARAMETER]
            if code and SMSCode.check(user_id, str(code).strip()):
                return user_id
            # A failed attempt, counted and slowed down as a wrong
            # password; the code sent stays valid until it expires
            return None
        if not list(SMSCode.get(user_id)):
            record = SMSCode(user_id=user_id)
            record.save()
            send_code(
                gettext('pakn_sms.msg_login_code_text',
                    hotline=Configuration(1).hotline_name, code=record.code),
                user.pakn_mobile)
        raise LoginException(
            PARAMETER,
            gettext('pakn_sms.msg_login_code_prompt',
                digits=user.pakn_mobile[-3:]),
            type='char')
