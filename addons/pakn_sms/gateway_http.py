# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The HTTP API gateway: a brand-name SMS provider's web API.

A message is posted as the body template fills it; the status code, and
optionally a field of the JSON answer, tell whether it was accepted. With
a lookup URL the gateway can tell whether the provider has a message."""
import json
import re
import string

import requests
import urllib3

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .gateway import SendError

# What the body template may use
VARIABLES = {
    'to', 'msisdn', 'local', 'text', 'sender', 'reference', 'unicode',
    'encoding', 'segments',
    }
BODY_EXAMPLE = json.dumps({
        'to': '${msisdn}',
        'from': '${sender}',
        'text': '${text}',
        'unicode': '${unicode}',
        'client_ref': '${reference}',
        }, indent=2)
_URL = r'^https?://[^/\s]+'
_HTTP = Eval('kind') == 'http'
_shown = {'invisible': ~_HTTP}
_required = {'invisible': ~_HTTP, 'required': _HTTP}


def _with_auth(auth, required=True):
    "The states of a field of the authentication auth"
    states = {'invisible': ~_HTTP | (Eval('http_auth') != auth)}
    if required:
        states['required'] = _HTTP & (Eval('http_auth') == auth)
    return states


class Gateway(metaclass=PoolMeta):
    __name__ = 'pakn.sms.gateway'

    http_url = fields.Char("URL", states=_required)
    http_body_format = fields.Selection([
            ('json', "JSON"),
            ('form', "Form"),
            ], "Body Format", states=_required)
    http_body = fields.Text(
        "Body Template", states=_required,
        help="A JSON object. Strings may use ${to} (+84...), ${msisdn} "
        "(84...), ${local} (0...), ${text}, ${sender}, ${reference}, "
        "${unicode} (1 or 0), ${encoding} and ${segments}.")
    http_auth = fields.Selection([
            ('none', "None"),
            ('basic', "Basic"),
            ('header', "Header"),
            ], "Authentication", states=_required)
    http_username = fields.Char("User Name", states=_with_auth('basic'))
    http_password = fields.Char(
        "Password", states=_with_auth('basic', required=False))
    http_header = fields.Char(
        "Header", states=_with_auth('header'), help="e.g. Authorization")
    http_header_value = fields.Char(
        "Header Value", states=_with_auth('header'),
        help="e.g. Bearer 0123abcd")
    http_success_status = fields.Char(
        "Success Status", states=_required,
        help="HTTP status codes of an accepted message: 200, 200-299, "
        "200,202.")
    http_success_field = fields.Char(
        "Success Field", states=_shown,
        help="The field of the JSON answer that tells the message was "
        "accepted, as a dotted path (e.g. CodeResult or data.status). "
        "Leave empty when the status code is enough.")
    http_success_value = fields.Char(
        "Success Value", states={
            'invisible': ~_HTTP | ~Eval('http_success_field'),
            'required': _HTTP & Eval('http_success_field'),
            })
    http_id_field = fields.Char(
        "Message ID Field", states=_shown,
        help="The dotted path of the provider's message id in the answer.")
    http_status_url = fields.Char(
        "Lookup URL", states=_shown,
        help="A URL that answers whether the provider has a message with "
        "this client reference: ${reference}. It answers 404 when it has "
        "not, or the success rule when it has. Without it, a message whose "
        "sending was cut off is marked failed for a person to check.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('http', "HTTP API"))

    @staticmethod
    def default_http_body_format():
        return 'json'

    @staticmethod
    def default_http_body():
        return BODY_EXAMPLE

    @staticmethod
    def default_http_auth():
        return 'none'

    @staticmethod
    def default_http_success_status():
        return '200-299'

    def check_settings(self):
        super().check_settings()
        if self.kind != 'http':
            return
        if not re.match(_URL, self.http_url or ''):
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
            unknown |= _placeholders(value) - VARIABLES
        if unknown:
            self._invalid(
                'msg_gateway_body_variables',
                names=', '.join(sorted(unknown)),
                allowed=', '.join(sorted(VARIABLES)))
        if self.http_status_url:
            if not re.match(_URL, self.http_status_url):
                self._invalid('msg_gateway_url', url=self.http_status_url)
            if _placeholders(self.http_status_url) != {'reference'}:
                self._invalid('msg_gateway_status_url')

    def send(self, message):
        if self.kind != 'http':
            return super().send(message)
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
        raise SendError(self._http_status_error(response), outcome=outcome)

    @property
    def can_lookup(self):
        if self.kind == 'http':
            return bool(self.http_status_url)
        return super().can_lookup

    def lookup(self, message):
        if self.kind != 'http' or not self.http_status_url:
            return super().lookup(message)
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
        raise SendError(
            self._http_status_error(response), outcome='unknown')

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

    def _http_status_error(self, response):
        "The text of an error for an answer with an unexpected status"
        return gettext(
            'pakn_sms.msg_gateway_http_status', gateway=self.rec_name,
            status=response.status_code, body=response.text[:200])


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
