# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""SMPP v3.4 client: submit SMS and collect delivery receipts.

A plain-Python adapter over smpplib (no Tryton here). Each call opens its
own session: connect, bind, work, unbind, disconnect. smpplib encodes and
decodes the PDUs; this module splits the text into parts itself, because
smpplib's GSM table is inexact and its splitting may cut a character in
two, and it parses optional parameters leniently, so that a TLV smpplib
does not expect for a command cannot break a session."""
import logging
import random
import re
import select
import socket
import struct
import time

from smpplib import client as smpp_client
from smpplib import command_codes, consts
from smpplib import exceptions as smpp_exceptions
from smpplib import smpp as smpp_pdu

from .encoding import GSM7_BASIC, GSM7_EXTENSION

__all__ = ['SmppError', 'submit', 'fetch_receipts', 'segments']

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
# Longest PDU accepted from an SMSC: a deliver_sm carrying a full
# message_payload TLV (64 KiB) and its mandatory fields
MAX_PDU_LENGTH = 70000

DATA_CODING_GSM = 0x00  # SMSC default alphabet: GSM 03.38, one septet an octet
DATA_CODING_UCS2 = 0x08
ESM_CLASS_UDHI = 0x40
ESM_CLASS_TYPE_MASK = 0x3C
ESM_CLASS_SMSC_RECEIPT = 0x04
MAX_PARTS = 255
# (octets of a single message, octets of a part after the 6-octet UDH)
LIMITS = {
    True: (140, 134),  # UCS-2: 70 and 67 UTF-16 code units
    False: (160, 153),  # GSM 7-bit: 160 and 153 septets
    }

# 'ESME_RINVPASWD' for 0x0E, ...
STATUS_NAMES = {
    value: name[len('SMPP_'):] for name, value in vars(consts).items()
    if name.startswith('SMPP_ESME_')}
# A later attempt may succeed
TEMPORARY_STATUSES = frozenset([
        consts.SMPP_ESME_RINVBNDSTS,
        consts.SMPP_ESME_RALYBND,
        consts.SMPP_ESME_RSYSERR,
        consts.SMPP_ESME_RMSGQFUL,
        consts.SMPP_ESME_RSUBMITFAIL,
        consts.SMPP_ESME_RTHROTTLED,
        consts.SMPP_ESME_RX_T_APPN,
        consts.SMPP_ESME_RDELIVERYFAILURE,
        consts.SMPP_ESME_RUNKNOWNERR,
        ])
# message_state TLV (SMPP v3.4, 5.2.28) as the stat of a receipt's text
MESSAGE_STATES = {
    1: 'ENROUTE',
    2: 'DELIVRD',
    3: 'EXPIRED',
    4: 'DELETED',
    5: 'UNDELIV',
    6: 'ACCEPTD',
    7: 'UNKNOWN',
    8: 'REJECTD',
    }
_TLV_NAMES = {code: name for name, code in consts.OPTIONAL_PARAMS.items()}

assert len(GSM7_BASIC) == 128
_GSM_ENCODE = {
    char: bytes([code]) for code, char in enumerate(GSM7_BASIC)
    if char != '\x1b'}
_GSM_ENCODE.update(
    (char, bytes([0x1B, code])) for char, code in GSM7_EXTENSION.items())


class SmppError(Exception):
    """Raised for any failure.

    temporary: True when a later attempt may succeed.
    status: the SMPP command_status, when the SMSC gave one.
    message_ids: the ids of the parts the SMSC accepted before a submit
    failed (a concatenated message may fail half-way).
    unknown: True when the SMSC may have accepted (part of) the message:
    the connection failed once a submit_sm was on its way, or some parts
    were accepted. Submitting again could deliver it twice."""

    def __init__(self, message, temporary=False, status=None):
        super().__init__(message)
        self.temporary = temporary
        self.status = status
        self.message_ids = []
        self.unknown = False


class _SessionEnded(SmppError):
    "The SMSC unbound the session"


def status_name(status):
    "'ESME_RTHROTTLED (0x00000058)' for 0x58"
    name = STATUS_NAMES.get(status)
    if name is None:
        name = ('vendor-specific error'
            if 0x400 <= status <= 0x4FF else 'unknown error')
    return f'{name} (0x{status:08X})'


def _status_error(command, status):
    description = consts.DESCRIPTIONS.get(status)
    message = f'{command} refused: {status_name(status)}'
    if description and not description.startswith('<'):
        message += f', {description}'
    return SmppError(
        message, temporary=status in TEMPORARY_STATUSES, status=status)


def _io_error(exception, step, settings):
    "The SmppError for an exception of smpplib or of the socket"
    where = f"{settings.get('host')}:{settings.get('port')}"
    if isinstance(exception, SmppError):
        return exception
    if isinstance(exception, smpp_exceptions.PDUError):
        if len(exception.args) > 1 and isinstance(exception.args[1], int):
            # smpplib's refused bind: (text, command_status)
            return _status_error(step, exception.args[1])
        return SmppError(
            f'SMPP protocol error with {where} during {step}: {exception}',
            temporary=True)
    if isinstance(exception, socket.timeout):
        return SmppError(
            f'timed out during {step} with {where}', temporary=True)
    # smpplib's ConnectionError hides the socket error in its context
    cause = exception.__context__ or exception.__cause__
    detail = str(exception) or 'connection closed'
    if cause is not None and str(cause):
        detail = str(cause)
    return SmppError(
        f'connection to {where} failed during {step}: {detail}',
        temporary=True)


_ERRORS = (
    smpp_exceptions.ConnectionError, smpp_exceptions.PDUError,
    smpp_exceptions.UnknownCommandError, OSError)


# Text to parts

def _units(text, unicode):
    "The encoded characters of text: a part never splits one of them"
    if unicode:
        units = []
        for position, char in enumerate(text):
            try:
                # 2 octets, or 4 for a surrogate pair
                units.append(char.encode('utf-16-be'))
            except UnicodeEncodeError:
                raise SmppError(
                    f'invalid character U+{ord(char):04X} at position '
                    f'{position}', temporary=False) from None
        return units
    units = []
    for position, char in enumerate(text):
        try:
            # 1 septet, or 2 for ESC and an extension character
            units.append(_GSM_ENCODE[char])
        except KeyError:
            raise SmppError(
                f'character {char!r} (U+{ord(char):04X}) at position '
                f'{position} is not in the GSM 03.38 alphabet',
                temporary=False) from None
    return units


def segments(text, unicode=True):
    """Return the list of encoded parts (bytes, without UDH) that submit()
    would send: UCS-2 (UTF-16-BE) when unicode, else GSM 03.38 septets,
    one an octet."""
    if not isinstance(text, str) or not text:
        raise SmppError('empty message', temporary=False)
    units = _units(text, unicode)
    single, size = LIMITS[bool(unicode)]
    if sum(map(len, units)) <= single:
        return [b''.join(units)]
    parts, current, length = [], [], 0
    for unit in units:
        if length + len(unit) > size:
            parts.append(b''.join(current))
            current, length = [], 0
        current.append(unit)
        length += len(unit)
    parts.append(b''.join(current))
    if len(parts) > MAX_PARTS:
        raise SmppError(
            f'message too long: {len(parts)} parts, at most {MAX_PARTS}',
            temporary=False)
    return parts


# Settings

def _c_string(settings, key, maximum, required=False):
    "A C-Octet String setting, checked against the SMPP maximum length"
    value = settings.get(key) or ''
    if not isinstance(value, str):
        value = str(value)
    if required and not value:
        raise SmppError(f'missing SMPP setting {key}', temporary=False)
    if len(value) > maximum:
        raise SmppError(
            f'SMPP setting {key} is longer than {maximum} characters',
            temporary=False)
    try:
        value.encode('ascii')
    except UnicodeEncodeError:
        raise SmppError(
            f'SMPP setting {key} must be ASCII', temporary=False) from None
    return value


def _integer(settings, key, default):
    value = settings.get(key)
    if value is None or value == '':
        return default
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise SmppError(f'invalid SMPP setting {key}: {value!r}',
            temporary=False) from None
    if not 0 <= value <= 255:
        raise SmppError(f'invalid SMPP setting {key}: {value!r}',
            temporary=False)
    return value


def _credentials(settings):
    return {
        'system_id': _c_string(settings, 'system_id', 15, required=True),
        'password': _c_string(settings, 'password', 8),
        'system_type': _c_string(settings, 'system_type', 12),
        }


def _destination(number):
    "'84912345678' for '+84912345678'"
    match = re.fullmatch(r'\+?([0-9]{1,20})', (number or '').strip())
    if not match:
        raise SmppError(
            f'invalid destination number {number!r}', temporary=False)
    return match.group(1)


def _addresses(settings):
    source = _c_string(settings, 'source_addr', 20, required=True)
    if any(c.isalpha() for c in source):
        default_ton, default_npi = consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK
    else:
        default_ton, default_npi = consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN
    return {
        'source_addr': source,
        'source_addr_ton': _integer(settings, 'source_addr_ton', default_ton),
        'source_addr_npi': _integer(settings, 'source_addr_npi', default_npi),
        'dest_addr_ton': _integer(
            settings, 'dest_addr_ton', consts.SMPP_TON_INTL),
        'dest_addr_npi': _integer(
            settings, 'dest_addr_npi', consts.SMPP_NPI_ISDN),
        }


# Session

class _UnknownPDU:
    "A PDU whose command_id smpplib does not know"

    def __init__(self, command_id, status, sequence):
        self.command = None
        self.command_id = command_id
        self.status = status
        self.sequence = sequence

    def is_error(self):
        return self.status != consts.SMPP_ESME_ROK

    def is_request(self):
        return not self.command_id & 0x80000000


def _parse_tlvs(pdu, data):
    """Set the optional parameters of data on pdu; keep them all, by tag,
    in pdu.tlvs. Unlike smpplib, skip a TLV the command does not define
    instead of failing."""
    position = 0
    while position < len(data):
        tag, length = struct.unpack_from('>HH', data, position)
        position += 4
        value = data[position:position + length]
        if len(value) != length:
            raise ValueError(f'truncated optional parameter 0x{tag:04X}')
        position += length
        pdu.tlvs[tag] = value
        name = _TLV_NAMES.get(tag)
        param = pdu.params.get(name) if name else None
        if param is None:
            continue
        if param.type is int:
            setattr(pdu, name, int.from_bytes(value, 'big'))
        elif param.type is str:
            setattr(pdu, name, value.split(b'\0', 1)[0])
        else:
            setattr(pdu, name, value)


def _parse(data, client):
    "The smpplib PDU of data (a whole PDU)"
    _, command_id, status, sequence = struct.unpack_from('>LLLL', data)
    try:
        name = command_codes.get_command_name(command_id)
        # sequence given: parsing must not take one from the client
        pdu = smpp_pdu.make_pdu(name, client=client, sequence=sequence,
            allow_unknown_opt_params=True)
    except smpp_exceptions.UnknownCommandError:
        return _UnknownPDU(command_id, status, sequence)
    pdu.tlvs = {}
    pdu.parse_optional_params = lambda body: _parse_tlvs(pdu, body)
    try:
        pdu.parse(data)
    except (struct.error, ValueError, TypeError, IndexError,
            KeyError) as exception:
        raise smpp_exceptions.PDUError(
            f'malformed {name} PDU: {exception}') from exception
    return pdu


class _Client(smpp_client.Client):
    "smpplib's client, reading PDUs leniently and never logging secrets"

    def __init__(self, settings):
        host = settings.get('host')
        port = settings.get('port')
        if not host or not port:
            raise SmppError('missing SMPP host or port', temporary=False)
        try:
            port = int(port)
            timeout = float(settings.get('timeout') or DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            raise SmppError('invalid SMPP port or timeout',
                temporary=False) from None
        super().__init__(host, port, timeout=timeout, logger_name=__name__,
            allow_unknown_opt_params=True)

    def send_pdu(self, pdu):
        # smpplib logs the raw PDU, a bind's password included
        data = pdu.generate()
        logger.debug('>> %s #%s (%d octets)',
            pdu.command, pdu.sequence, len(data))
        try:
            self._socket.sendall(data)
        except socket.timeout:
            raise
        except OSError as exception:
            raise smpp_exceptions.ConnectionError(
                str(exception)) from exception
        return True

    def read_pdu(self):
        header = self._recv_exact(4)
        length, = struct.unpack('>L', header)
        if not 16 <= length <= MAX_PDU_LENGTH:
            raise smpp_exceptions.PDUError(
                f'invalid command_length {length}')
        pdu = _parse(header + self._recv_exact(length - 4), self)
        logger.debug('<< %s #%s status %s',
            pdu.command or hex(pdu.command_id), pdu.sequence, pdu.status)
        if not pdu.is_error() and pdu.command in consts.STATE_SETTERS:
            self.state = consts.STATE_SETTERS[pdu.command]
        return pdu

    def readable(self, timeout):
        "Whether a PDU starts arriving within timeout seconds"
        return bool(select.select([self._socket], [], [], timeout)[0])

    def close(self):
        if self._socket is not None:
            try:
                self._socket.close()
            finally:
                self._socket = None
        self.state = consts.SMPP_CLIENT_STATE_CLOSED


def _respond(client, command, sequence, status=consts.SMPP_ESME_ROK):
    pdu = smpp_pdu.make_pdu(command, client=client, status=status)
    pdu.sequence = sequence
    client.send_pdu(pdu)


def _serve(client, pdu, on_deliver):
    "Answer a PDU the SMSC sent on its own initiative"
    if pdu.command == 'deliver_sm':
        _respond(client, 'deliver_sm_resp', pdu.sequence, on_deliver(pdu))
    elif pdu.command == 'enquire_link':
        _respond(client, 'enquire_link_resp', pdu.sequence)
    elif pdu.command == 'unbind':
        _respond(client, 'unbind_resp', pdu.sequence)
        client.state = consts.SMPP_CLIENT_STATE_OPEN
        raise _SessionEnded('the SMSC ended the session', temporary=True)
    elif pdu.command == 'alert_notification':
        pass  # has no response
    elif pdu.is_request():
        _respond(client, 'generic_nack', pdu.sequence,
            consts.SMPP_ESME_RINVCMDID)
    else:
        logger.debug('ignored %s #%s', pdu.command, pdu.sequence)


def _exchange(client, request, on_deliver):
    """Send request and return its response; answer whatever the SMSC sends
    meanwhile. Raise SmppError for a negative response."""
    client.send_pdu(request)
    expected = request.command + '_resp'
    while True:
        pdu = client.read_pdu()
        if (pdu.sequence == request.sequence
                and pdu.command in {expected, 'generic_nack'}):
            if pdu.is_error():
                raise _status_error(request.command, pdu.status)
            return pdu
        _serve(client, pdu, on_deliver)


def _postpone(pdu):
    "Refuse, for now, a deliver_sm that comes while submitting"
    return consts.SMPP_ESME_RX_T_APPN


def _bind(client, settings, mode):
    command = f'bind_{mode}'
    credentials = _credentials(settings)
    try:
        client.connect()
    except _ERRORS as exception:
        raise _io_error(exception, 'connect', settings) from exception
    try:
        getattr(client, command)(**credentials)
    except _ERRORS as exception:
        raise _io_error(exception, command, settings) from exception
    logger.info('bound to %s:%s as %s',
        settings.get('host'), settings.get('port'), command)


def _unbind(client, settings, on_deliver):
    "Unbind politely; a failure here is only logged"
    if client.state not in consts.COMMAND_STATES['unbind']:
        return
    try:
        _exchange(
            client, smpp_pdu.make_pdu('unbind', client=client), on_deliver)
    except (SmppError,) + _ERRORS as exception:
        logger.warning('unbind from %s:%s failed: %s',
            settings.get('host'), settings.get('port'),
            _io_error(exception, 'unbind', settings))


def _text(value):
    if isinstance(value, bytes):
        return value.decode('latin-1')
    return value or ''


def submit(settings, destination, text, unicode=True, reference=None):
    """Bind as transmitter (transceiver when settings['transceiver']),
    submit text to destination, unbind and disconnect.

    destination is E.164 ('+84912345678'). With unicode, the text goes in
    UCS-2 (data_coding 8), else in the GSM 03.38 alphabet (data_coding 0),
    which must hold every character. A long text goes in concatenated parts
    (6-octet UDH, esm_class UDHI). reference is accepted and ignored.
    Return the SMSC's message id of each part, in order."""
    parts = segments(text, unicode)
    destination_addr = _destination(destination)
    addresses = _addresses(settings)
    registered = 1 if settings.get('registered_delivery') else 0
    if len(parts) > 1:
        concat_ref = random.randrange(256)
        headers = [bytes([5, 0, 3, concat_ref, len(parts), number])
            for number in range(1, len(parts) + 1)]
        esm_class = ESM_CLASS_UDHI
    else:
        headers, esm_class = [b''], 0
    mode = 'transceiver' if settings.get('transceiver') else 'transmitter'
    client = _Client(settings)
    ids = []
    try:
        _bind(client, settings, mode)
        for number, (header, body) in enumerate(zip(headers, parts), 1):
            step = f'submit_sm {number}/{len(parts)}'
            request = smpp_pdu.make_pdu('submit_sm', client=client,
                service_type='',
                destination_addr=destination_addr,
                esm_class=esm_class,
                protocol_id=0,
                priority_flag=0,
                registered_delivery=registered,
                replace_if_present_flag=0,
                data_coding=(DATA_CODING_UCS2 if unicode
                    else DATA_CODING_GSM),
                sm_default_msg_id=0,
                short_message=header + body,
                **addresses)
            try:
                response = _exchange(client, request, _postpone)
            except _ERRORS as exception:
                error = _io_error(exception, step, settings)
                error.message_ids = list(ids)
                error.unknown = True
                raise error from exception
            except SmppError as error:
                error.message_ids = list(ids)
                error.unknown = bool(ids)
                # the SMSC answered: the session still stands
                _unbind(client, settings, _postpone)
                raise
            ids.append(_text(response.message_id))
        logger.info('submitted %d part(s) to %s: %s',
            len(ids), destination_addr, ' '.join(ids))
        _unbind(client, settings, _postpone)
    finally:
        client.close()
    return ids


def parse_receipt(pdu):
    """Return the receipt {'id', 'stat', 'err', 'done_date'} of a
    deliver_sm, or None when it is no SMSC delivery receipt or names no
    message. The TLVs receipted_message_id and message_state win over the
    text "id:... stat:... err:... done date:..."."""
    if (pdu.esm_class or 0) & ESM_CLASS_TYPE_MASK != ESM_CLASS_SMSC_RECEIPT:
        return None
    raw = pdu.short_message or getattr(pdu, 'message_payload', None) or b''
    if pdu.data_coding == DATA_CODING_UCS2:
        text = raw.decode('utf-16-be', errors='replace')
    else:
        text = raw.decode('latin-1')
    # the fields come before text:, which quotes the message itself
    head = re.split(r'\btext:', text, maxsplit=1, flags=re.I)[0]

    def field(pattern):
        match = re.search(pattern, head, flags=re.I)
        return match.group(1) if match else None

    message_id = _text(getattr(pdu, 'receipted_message_id', None)) or field(
        r'\bid:(\S+)')
    if not message_id:
        return None
    state = getattr(pdu, 'message_state', None)
    stat = MESSAGE_STATES.get(state) or (field(r'\bstat:(\w+)') or '').upper()
    return {
        'id': message_id,
        'stat': stat or 'UNKNOWN',
        'err': field(r'\berr:(\w+)') or '',
        'done_date': field(r'\bdone date:(\d+)'),
        }


def fetch_receipts(settings, wait=2.0):
    """Bind as receiver (transceiver when settings['transceiver']), take the
    delivery receipts the SMSC sends within wait seconds, unbind and
    disconnect. Return a list of {'id', 'stat', 'err', 'done_date'}.

    Every deliver_sm is acknowledged, so the receipts taken are returned
    even when the session fails afterwards."""
    mode = 'transceiver' if settings.get('transceiver') else 'receiver'
    client = _Client(settings)
    receipts = []

    def collect(pdu):
        receipt = parse_receipt(pdu)
        if receipt is None:
            logger.info('ignored a deliver_sm that is no delivery receipt')
        else:
            receipts.append(receipt)
        return consts.SMPP_ESME_ROK

    try:
        _bind(client, settings, mode)
        deadline = time.monotonic() + max(float(wait or 0), 0.0)
        step = 'reading receipts'
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not client.readable(remaining):
                    break
                # a PDU has started: read it whole, within the timeout
                _serve(client, client.read_pdu(), collect)
            _unbind(client, settings, collect)
        except _SessionEnded:
            pass
        except (SmppError,) + _ERRORS as exception:
            error = _io_error(exception, step, settings)
            if not receipts:
                raise error from exception
            # they are acknowledged: the SMSC will not send them again
            logger.warning('%s; keeping the %d receipt(s) read',
                error, len(receipts))
    finally:
        client.close()
    logger.info('read %d delivery receipt(s)', len(receipts))
    return receipts
