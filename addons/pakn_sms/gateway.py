# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""SMS gateways: how a message leaves the system.

Each kind implements send (return the provider's id of an accepted message
or raise SendError) and lookup (did the gateway accept the message with
this client reference?), which the outbox uses to settle a message whose
sending was cut off before its outcome was saved."""
import datetime as dt
import json
import os
import re
import string
import time
from types import SimpleNamespace

import requests
import urllib3

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from trytond.modules.pakn_helpdesk.common import now
from trytond.modules.pakn_helpdesk.model import IntegrityMixin

from . import encoding, smpp
from .exceptions import GatewayTestError, GatewayValidationError
from .phone import normalize_mobile

KINDS = [
    ('http', "HTTP API"),
    ('smpp', "SMPP v3.4"),
    ('file', "File (demo)"),
    ]
# What the body template of an HTTP gateway may use
HTTP_VARIABLES = {
    'to', 'msisdn', 'local', 'text', 'sender', 'reference', 'unicode',
    'encoding', 'segments',
    }
HTTP_BODY_EXAMPLE = json.dumps({
        'to': '${msisdn}',
        'from': '${sender}',
        'text': '${text}',
        'unicode': '${unicode}',
        'client_ref': '${reference}',
        }, indent=2)
_http = {'invisible': Eval('kind') != 'http'}
_http_required = {
    'invisible': Eval('kind') != 'http',
    'required': Eval('kind') == 'http',
    }
_smpp = {'invisible': Eval('kind') != 'smpp'}
_smpp_required = {
    'invisible': Eval('kind') != 'smpp',
    'required': Eval('kind') == 'smpp',
    }
_file_required = {
    'invisible': Eval('kind') != 'file',
    'required': Eval('kind') == 'file',
    }


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
    kind = fields.Selection(KINDS, "Kind", required=True)
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

    http_url = fields.Char("URL", states=_http_required)
    http_body_format = fields.Selection([
            ('json', "JSON"),
            ('form', "Form"),
            ], "Body Format", states=_http_required)
    http_body = fields.Text(
        "Body Template", states=_http_required,
        help="A JSON object. Strings may use ${to} (+84...), ${msisdn} "
        "(84...), ${local} (0...), ${text}, ${sender}, ${reference}, "
        "${unicode} (1 or 0), ${encoding} and ${segments}.")
    http_auth = fields.Selection([
            ('none', "None"),
            ('basic', "Basic"),
            ('header', "Header"),
            ], "Authentication", states=_http_required)
    http_username = fields.Char("User Name", states={
            'invisible': (Eval('kind') != 'http')
            | (Eval('http_auth') != 'basic'),
            'required': (Eval('kind') == 'http')
            & (Eval('http_auth') == 'basic'),
            })
    http_password = fields.Char("Password", states={
            'invisible': (Eval('kind') != 'http')
            | (Eval('http_auth') != 'basic'),
            })
    http_header = fields.Char("Header", states={
            'invisible': (Eval('kind') != 'http')
            | (Eval('http_auth') != 'header'),
            'required': (Eval('kind') == 'http')
            & (Eval('http_auth') == 'header'),
            }, help="e.g. Authorization")
    http_header_value = fields.Char("Header Value", states={
            'invisible': (Eval('kind') != 'http')
            | (Eval('http_auth') != 'header'),
            'required': (Eval('kind') == 'http')
            & (Eval('http_auth') == 'header'),
            }, help="e.g. Bearer 0123abcd")
    http_success_status = fields.Char(
        "Success Status", states=_http_required,
        help="HTTP status codes of an accepted message: 200, 200-299, "
        "200,202.")
    http_success_field = fields.Char(
        "Success Field", states=_http,
        help="The field of the JSON answer that tells the message was "
        "accepted, as a dotted path (e.g. CodeResult or data.status). "
        "Leave empty when the status code is enough.")
    http_success_value = fields.Char(
        "Success Value", states={
            'invisible': (Eval('kind') != 'http')
            | ~Eval('http_success_field'),
            'required': (Eval('kind') == 'http')
            & Eval('http_success_field'),
            })
    http_id_field = fields.Char(
        "Message ID Field", states=_http,
        help="The dotted path of the provider's message id in the answer.")
    http_status_url = fields.Char(
        "Lookup URL", states=_http,
        help="A URL that answers whether the provider has a message with "
        "this client reference: ${reference}. It answers 404 when it has "
        "not, or the success rule when it has. Without it, a message whose "
        "sending was cut off is marked failed for a person to check.")

    smpp_host = fields.Char("Host", states=_smpp_required)
    smpp_port = fields.Integer("Port", states=_smpp_required)
    smpp_system_id = fields.Char("System ID", states=_smpp_required)
    smpp_password = fields.Char("Password", states=_smpp)
    smpp_system_type = fields.Char("System Type", states=_smpp)
    smpp_source_ton = fields.Integer("Source TON", states=_smpp)
    smpp_source_npi = fields.Integer("Source NPI", states=_smpp)
    smpp_dest_ton = fields.Integer("Destination TON", states=_smpp_required)
    smpp_dest_npi = fields.Integer("Destination NPI", states=_smpp_required)
    smpp_receipts = fields.Boolean(
        "Delivery Receipts", states=_smpp,
        help="Ask the SMSC for delivery receipts and collect them.")

    file_path = fields.Char(
        "File", states=_file_required,
        help="Messages are appended to this file, one JSON line each.")

    lease_token = fields.Char("Lease Token", readonly=True)
    lease_until = fields.DateTime("Lease Until", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'test_message': {},
                })

    @staticmethod
    def default_kind():
        return 'file'

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

    @staticmethod
    def default_http_body_format():
        return 'json'

    @staticmethod
    def default_http_body():
        return HTTP_BODY_EXAMPLE

    @staticmethod
    def default_http_auth():
        return 'none'

    @staticmethod
    def default_http_success_status():
        return '200-299'

    @staticmethod
    def default_smpp_port():
        return 2775

    @staticmethod
    def default_smpp_source_ton():
        return 5

    @staticmethod
    def default_smpp_source_npi():
        return 0

    @staticmethod
    def default_smpp_dest_ton():
        return 1

    @staticmethod
    def default_smpp_dest_npi():
        return 1

    @staticmethod
    def default_smpp_receipts():
        return True

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
            getattr(gateway, 'check_%s' % gateway.kind)()

    def _invalid(self, message, **values):
        raise GatewayValidationError(gettext(
                'pakn_sms.%s' % message, gateway=self.rec_name, **values))

    def check_http(self):
        if not re.match(r'^https?://[^/\s]+', self.http_url or ''):
            self._invalid('msg_gateway_url', url=self.http_url or '')
        try:
            self._status_ranges()
        except ValueError:
            self._invalid(
                'msg_gateway_success_status', status=self.http_success_status)
        try:
            body = json.loads(self.http_body or '')
        except ValueError as exception:
            self._invalid('msg_gateway_body_json', error=str(exception))
        if not isinstance(body, dict):
            self._invalid('msg_gateway_body_json', error="not an object")
        unknown = set()
        for value in _strings(body):
            unknown |= _placeholders(value) - HTTP_VARIABLES
        if unknown:
            self._invalid(
                'msg_gateway_body_variables',
                names=', '.join(sorted(unknown)),
                allowed=', '.join(sorted(HTTP_VARIABLES)))
        if self.http_status_url:
            if not re.match(r'^https?://[^/\s]+', self.http_status_url):
                self._invalid('msg_gateway_url', url=self.http_status_url)
            if _placeholders(self.http_status_url) != {'reference'}:
                self._invalid('msg_gateway_status_url')

    def check_smpp(self):
        if not (self.smpp_host or '').strip():
            self._invalid('msg_gateway_smpp_host')
        if not (0 < (self.smpp_port or 0) < 65536):
            self._invalid('msg_gateway_smpp_port', port=self.smpp_port)
        for value in [self.smpp_source_ton, self.smpp_dest_ton,
                self.smpp_source_npi, self.smpp_dest_npi]:
            if value is not None and not (0 <= value <= 18):
                self._invalid('msg_gateway_smpp_ton')
        if len(self.smpp_system_id or '') > 15:
            self._invalid('msg_gateway_smpp_system_id')
        if len(self.sender or '') > 11 and not self.sender.isdigit():
            self._invalid('msg_gateway_sender_length', sender=self.sender)

    def check_file(self):
        path = self.file_path or ''
        folder = os.path.dirname(path)
        if (not os.path.isabs(path) or not os.path.isdir(folder)
                or not os.access(folder, os.W_OK)):
            self._invalid('msg_gateway_file', path=path)

    # Sending

    def prepare(self, text):
        "Return (text, encoding, segments) as this gateway sends text"
        return encoding.prepare(text, unicode=self.unicode)

    def send(self, message):
        """Send the message (a pakn.sms.message or anything with recipient,
        body, reference, encoding and segments); return the provider id.

        Raise SendError."""
        return getattr(self, 'send_%s' % self.kind)(message)

    @property
    def can_lookup(self):
        "Whether the gateway can tell if it has a message"
        return self.kind == 'file' or (
            self.kind == 'http' and bool(self.http_status_url))

    def lookup(self, message):
        """Return the provider id of message if the gateway accepted it,
        None if it did not. Raise SendError(outcome='unknown') when the
        gateway cannot tell."""
        return getattr(self, 'lookup_%s' % self.kind)(message)

    # HTTP

    def _status_ranges(self):
        ranges = []
        for part in (self.http_success_status or '').split(','):
            part = part.strip()
            low, _, high = part.partition('-')
            low = int(low)
            high = int(high) if high else low
            if not (100 <= low <= high <= 599):
                raise ValueError(part)
            ranges.append((low, high))
        return ranges

    def _http_session(self):
        session = requests.Session()
        session.headers['User-Agent'] = 'PAKN-1022'
        if self.http_auth == 'basic':
            session.auth = (self.http_username or '', self.http_password or '')
        elif self.http_auth == 'header':
            session.headers[self.http_header] = self.http_header_value
        return session

    def _http_variables(self, message):
        msisdn = message.recipient.lstrip('+')
        local = ('0' + msisdn[2:]) if msisdn.startswith('84') else msisdn
        return {
            'to': message.recipient,
            'msisdn': msisdn,
            'local': local,
            'text': message.body,
            'sender': self.sender,
            'reference': message.reference,
            'unicode': 1 if message.encoding == 'ucs2' else 0,
            'encoding': message.encoding,
            'segments': message.segments,
            }

    def _http_accepted(self, response):
        """Return (accepted, provider id) of a response with a success
        status; raise SendError('unknown') on an unreadable body."""
        if not (self.http_success_field or self.http_id_field):
            return True, None
        try:
            data = response.json()
        except ValueError:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_malformed', gateway=self.rec_name,
                    status=response.status_code,
                    body=response.text[:200]), outcome='unknown')
        if self.http_success_field:
            value = _path(data, self.http_success_field)
            if value is None or str(value) != self.http_success_value:
                return False, None
        provider_id = None
        if self.http_id_field:
            provider_id = _path(data, self.http_id_field)
            provider_id = str(provider_id) if provider_id is not None else None
        return True, provider_id

    def _http_success(self, status):
        return any(low <= status <= high
            for low, high in self._status_ranges())

    def send_http(self, message):
        variables = self._http_variables(message)
        body = _render(json.loads(self.http_body), variables)
        kwargs = {'json': body} if self.http_body_format == 'json' else {
            'data': {k: '' if v is None else str(v) for k, v in body.items()}}
        try:
            with self._http_session() as session:
                response = session.post(
                    self.http_url, timeout=self.timeout, **kwargs)
        except requests.ReadTimeout as e:
            # The request went: the gateway may have accepted it
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_timeout', gateway=self.rec_name,
                    timeout=self.timeout), outcome='unknown') from e
        except requests.RequestException as e:
            # Refused or unreachable, nothing went; cut off while waiting for
            # the answer, the gateway may have accepted it
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_unreachable',
                    gateway=self.rec_name, error=_reason(e)),
                outcome='temporary' if _not_sent(e) else 'unknown') from e
        status = response.status_code
        if self._http_success(status):
            accepted, provider_id = self._http_accepted(response)
            if accepted:
                return provider_id or message.reference
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_refused', gateway=self.rec_name,
                    status=status, body=response.text[:200]),
                outcome='permanent')
        outcome = ('temporary' if status == 429 or status >= 500
            else 'permanent')
        raise SendError(gettext(
                'pakn_sms.msg_gateway_http_status', gateway=self.rec_name,
                status=status, body=response.text[:200]), outcome=outcome)

    def lookup_http(self, message):
        if not self.http_status_url:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_no_lookup', gateway=self.rec_name),
                outcome='unknown')
        url = string.Template(self.http_status_url).safe_substitute(
            reference=requests.utils.quote(message.reference, safe=''))
        try:
            with self._http_session() as session:
                response = session.get(url, timeout=self.timeout)
        except requests.RequestException as e:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_unreachable',
                    gateway=self.rec_name, error=_reason(e)),
                outcome='unknown') from e
        if response.status_code == 404:
            return None
        if self._http_success(response.status_code):
            accepted, provider_id = self._http_accepted(response)
            if accepted:
                return provider_id or message.reference
        raise SendError(gettext(
                'pakn_sms.msg_gateway_http_status', gateway=self.rec_name,
                status=response.status_code, body=response.text[:200]),
            outcome='unknown')

    # SMPP

    def _smpp_settings(self):
        return {
            'host': self.smpp_host,
            'port': self.smpp_port,
            'system_id': self.smpp_system_id,
            'password': self.smpp_password or '',
            'system_type': self.smpp_system_type or '',
            'source_addr': self.sender,
            'source_addr_ton': self.smpp_source_ton,
            'source_addr_npi': self.smpp_source_npi,
            'dest_addr_ton': self.smpp_dest_ton,
            'dest_addr_npi': self.smpp_dest_npi,
            'timeout': self.timeout,
            'registered_delivery': bool(self.smpp_receipts),
            }

    def send_smpp(self, message):
        try:
            ids = smpp.submit(
                self._smpp_settings(), message.recipient, message.body,
                unicode=message.encoding == 'ucs2',
                reference=message.reference)
        except smpp.SmppError as e:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_smpp', gateway=self.rec_name,
                    error=str(e)),
                outcome=('unknown' if e.unknown
                    else 'temporary' if e.temporary else 'permanent')) from e
        return ' '.join(ids)

    def lookup_smpp(self, message):
        # SMPP v3.4 finds a message by the SMSC's id only (query_sm), which
        # is what was not saved
        raise SendError(gettext(
                'pakn_sms.msg_gateway_no_lookup', gateway=self.rec_name),
            outcome='unknown')

    def fetch_receipts(self, wait=2.0):
        "Return the delivery receipts the SMSC holds for this gateway"
        try:
            return smpp.fetch_receipts(self._smpp_settings(), wait=wait)
        except smpp.SmppError as e:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_smpp', gateway=self.rec_name,
                    error=str(e))) from e

    # File

    def send_file(self, message):
        line = json.dumps({
                'date': dt.datetime.utcnow().isoformat(' ', 'seconds'),
                'reference': message.reference,
                'sender': self.sender,
                'to': message.recipient,
                'encoding': message.encoding,
                'segments': message.segments,
                'text': message.body,
                }, ensure_ascii=False)
        try:
            with open(self.file_path, 'a', encoding='utf-8') as file:
                file.write(line + '\n')
                file.flush()
                os.fsync(file.fileno())
        except OSError as e:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_file_error', gateway=self.rec_name,
                    error=str(e))) from e
        return message.reference

    def lookup_file(self, message):
        try:
            with open(self.file_path, encoding='utf-8') as file:
                for line in file:
                    try:
                        if json.loads(line).get('reference') == (
                                message.reference):
                            return message.reference
                    except ValueError:
                        continue
        except FileNotFoundError:
            return None
        except OSError as e:
            raise SendError(str(e), outcome='unknown') from e
        return None

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


def _placeholders(text):
    names = set()
    for match in string.Template.pattern.finditer(text):
        name = match.group('named') or match.group('braced')
        if name:
            names.add(name)
        elif match.group('invalid') is not None:
            names.add(match.group(0))
    return names


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _render(value, variables):
    """Substitute the variables in the strings of a JSON value; a string
    that is a single placeholder takes the variable's own type"""
    if isinstance(value, str):
        match = re.fullmatch(r'\$\{(\w+)\}', value)
        if match and match.group(1) in variables:
            return variables[match.group(1)]
        return string.Template(value).safe_substitute(
            {k: '' if v is None else str(v) for k, v in variables.items()})
    elif isinstance(value, dict):
        return {k: _render(v, variables) for k, v in value.items()}
    elif isinstance(value, list):
        return [_render(v, variables) for v in value]
    return value


def _path(data, path):
    for key in path.split('.'):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _not_sent(exception):
    "Whether a requests exception happened before the request went"
    if isinstance(exception, (requests.ConnectTimeout, requests.URLRequired,
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema)):
        return True
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        if isinstance(exception, urllib3.exceptions.NewConnectionError):
            return True
        reason = getattr(exception, 'reason', None)
        if isinstance(reason, Exception):
            exception = reason
        elif exception.args and isinstance(exception.args[0], Exception):
            exception = exception.args[0]
        else:
            exception = exception.__cause__ or exception.__context__
    return False


def _reason(exception):
    "The innermost cause of a requests exception, for people to read"
    while exception.__cause__ or exception.__context__:
        exception = exception.__cause__ or exception.__context__
    if exception.args and isinstance(exception.args[-1], Exception):
        exception = exception.args[-1]
    return str(exception)
