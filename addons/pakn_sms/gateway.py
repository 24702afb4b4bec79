# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""SMS gateways: how a message leaves the system.

This file is the contract of a gateway. Each kind lives in a file of its
own (gateway_http.py, gateway_smpp.py, gateway_file.py) that appends itself
to the kind selection, declares its fields (shown and required for its kind
only) and a view extension that puts them in a group of the form whose id
is the kind (shown for that kind only), and implements for its records
what it supports, leaving the others to super() as Tryton's shipping
services do:

- check_settings: refuse settings that cannot work;
- send: return the provider's id of an accepted message or raise SendError;
- lookup: did the gateway accept the message with this client reference?
  The outbox uses it to settle a message whose sending was cut off before
  its outcome was saved, and asks can_lookup whether the kind can tell;
- fetch_receipts: the delivery receipts the provider holds, asked only of
  the gateways whose supports_receipts is true.

The lease (acquire, release) and the pace (interval) are the same for every
kind."""
import datetime as dt
import time
from types import SimpleNamespace

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.modules.pakn_helpdesk.common import now
from trytond.modules.pakn_helpdesk.model import IntegrityMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import encoding
from .exceptions import GatewayTestError, GatewayValidationError
from .phone import normalize_mobile


class SendError(Exception):
    """A message did not go.

    outcome is 'temporary' (not accepted, try again later), 'permanent'
    (not accepted and trying again will not help) or 'unknown' (the gateway
    may have accepted it: sending again could deliver it twice)."""

    def __init__(self, message, outcome='temporary'):
        super().__init__(message)
        self.outcome = outcome


class Gateway(IntegrityMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pakn.sms.gateway'
    __string__ = "SMS Gateway"

    name = fields.Char("Name", required=True)
    # Each kind appends itself in its own file
    kind = fields.Selection([], "Kind", required=True)
    sender = fields.Char(
        "Brand Name", required=True, strip=True,
        help="The sender name registered with the carriers, "
        "e.g. 1022 Gia Lai.")
    unicode = fields.Boolean(
        "Vietnamese with Diacritics",
        help="Send in UCS-2 (70 characters a segment). Unticked, the "
        "diacritics are removed and a segment holds 160 characters.")
    price = fields.Integer(
        "Price per Segment (VND)", required=True,
        domain=[('price', '>=', 0)])
    rate_limit = fields.Integer(
        "Messages per Minute", domain=[
            ['OR', ('rate_limit', '=', None), ('rate_limit', '>', 0)]],
        help="At most this many submissions a minute, whatever the number "
        "of workers. Leave empty for no limit.")
    timeout = fields.Float(
        "Timeout (s)", required=True, domain=[('timeout', '>', 0)])
    max_attempts = fields.Integer(
        "Attempts", required=True, domain=[('max_attempts', '>', 0)],
        help="After this many failed attempts a message is marked failed.")
    retry_delay = fields.Integer(
        "First Retry after (s)", required=True,
        domain=[('retry_delay', '>', 0)],
        help="The wait doubles after each failed attempt, up to an hour.")

    lease_token = fields.Char("Lease Token", readonly=True)
    lease_until = fields.DateTime("Lease Until", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'test_message': {},
                })

    @classmethod
    def view_attributes(cls):
        # A group of the form with the id of a kind holds its settings
        return super().view_attributes() + [
            ("/form//group[@id='%s']" % kind, 'states', {
                    'invisible': Eval('kind') != kind,
                    })
            for kind, _ in cls.kind.selection]

    @staticmethod
    def default_unicode():
        return True

    @staticmethod
    def default_price():
        return 0

    @staticmethod
    def default_timeout():
        return 10.0

    @staticmethod
    def default_max_attempts():
        return 8

    @staticmethod
    def default_retry_delay():
        return 60

    @classmethod
    def copy(cls, gateways, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('lease_token')
        default.setdefault('lease_until')
        return super().copy(gateways, default=default)

    @classmethod
    def validate_fields(cls, gateways, field_names):
        super().validate_fields(gateways, field_names)
        for gateway in gateways:
            gateway.check_settings()

    def check_settings(self):
        "Raise GatewayValidationError when the settings cannot work"

    def _invalid(self, message, **values):
        raise GatewayValidationError(gettext(
                'pakn_sms.%s' % message, gateway=self.rec_name, **values))

    # The contract

    def prepare(self, text):
        "Return (text, encoding, segments) as this gateway sends text"
        return encoding.prepare(text, unicode=self.unicode)

    def send(self, message):
        """Send the message (a pakn.sms.message or anything with recipient,
        body, reference, encoding and segments); return the provider id.

        Raise SendError. Each kind sends its own (gateway_<kind>.py); a
        gateway whose kind no installed module handles fails the message,
        saying so."""
        raise SendError(gettext(
                'pakn_sms.msg_gateway_no_kind', gateway=self.name,
                kind=self.kind), outcome='permanent')

    @property
    def can_lookup(self):
        "Whether the gateway can tell if it has a message"
        return False

    def lookup(self, message):
        """Return the provider id of message if the gateway accepted it,
        None if it did not. Raise SendError(outcome='unknown') when the
        gateway cannot tell."""
        raise SendError(gettext(
                'pakn_sms.msg_gateway_no_lookup', gateway=self.rec_name),
            outcome='unknown')

    @property
    def supports_receipts(self):
        "Whether the gateway collects delivery receipts"
        return False

    def fetch_receipts(self, wait=2.0):
        """Return the delivery receipts the provider holds for this gateway:
        {'id' (a provider id), 'stat' ('DELIVRD', 'UNDELIV', ...), 'err'}"""
        return []

    # Pace and exclusivity

    @classmethod
    def acquire(cls, gateway_id, token, seconds):
        """Take or renew the gateway's lease for seconds; return whether
        this token holds it. One holder at a time sends through a gateway,
        so its rate limit holds however many workers run."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        instant = now()
        cursor.execute(*table.update(
                [table.lease_token, table.lease_until],
                [token, instant + dt.timedelta(seconds=seconds)],
                where=(table.id == gateway_id)
                & ((table.lease_token == token)
                    | (table.lease_until == None)  # noqa: E711
                    | (table.lease_until < instant))))
        return cursor.rowcount == 1

    @classmethod
    def release(cls, gateway_id, token):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.lease_token, table.lease_until], [None, None],
                where=(table.id == gateway_id) & (table.lease_token == token)))

    @property
    def interval(self):
        "The seconds between two submissions"
        return 60.0 / self.rate_limit if self.rate_limit else 0.0

    @classmethod
    @ModelView.button_action('pakn_sms.wizard_gateway_test')
    def test_message(cls, gateways):
        pass


class GatewayTestStart(ModelView):
    __name__ = 'pakn.sms.gateway.test.start'
    __string__ = "Test SMS Gateway"
    recipient = fields.Char("Mobile Number", required=True)
    text = fields.Text("Text", required=True)
    result = fields.Char("Result", readonly=True)


class GatewayTest(Wizard):
    "Send a test message through a gateway"
    __name__ = 'pakn.sms.gateway.test'
    start = StateView(
        'pakn.sms.gateway.test.start',
        'pakn_sms.gateway_test_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateTransition()
    done = StateView(
        'pakn.sms.gateway.test.start',
        'pakn_sms.gateway_test_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        hotline = Configuration(1).hotline_name
        return {
            'text': gettext('pakn_sms.msg_gateway_test_text', hotline=hotline),
            }

    def transition_send(self):
        gateway = self.record
        recipient = normalize_mobile(self.start.recipient)
        text, encoding_, segments = gateway.prepare(self.start.text)
        message = SimpleNamespace(
            recipient=recipient, body=text, encoding=encoding_,
            segments=segments, reference='test-%x' % int(time.time() * 1000))
        try:
            provider_id = gateway.send(message)
        except SendError as e:
            raise GatewayTestError(gettext(
                    'pakn_sms.msg_gateway_test_failed', error=str(e))) from e
        self.start.result = gettext(
            'pakn_sms.msg_gateway_test_sent', recipient=recipient,
            segments=segments, provider_id=provider_id or '')
        return 'done'

    def default_done(self, fields):
        return {'result': self.start.result}
