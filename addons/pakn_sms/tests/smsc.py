# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A small but real SMSC for tests: SMPP v3.4 over TCP on 127.0.0.1.

smpplib encodes and decodes the PDUs; each session runs in a thread of a
socketserver. The SMSC checks binds, answers submit_sm with message ids,
reassembles concatenated messages (UDH IEI 0x00 or 0x08, or SAR TLVs) and
stores delivery receipts until a receiver of the same system_id binds.

It decodes every part on its own, as a handset does, with its own GSM
03.38 table: a part that splits a surrogate pair or a GSM escape shows
U+FFFD in the reassembled text."""
import itertools
import logging
import select
import socketserver
import struct
import threading
import time

from smpplib import command_codes, consts, exceptions, smpp
from smpplib.client import SimpleSequenceGenerator

__all__ = ['TestSMSC']

logger = logging.getLogger(__name__)

ROK = consts.SMPP_ESME_ROK
BINDS = ('bind_transmitter', 'bind_receiver', 'bind_transceiver')
TRANSMITTERS = ('bind_transmitter', 'bind_transceiver')
RECEIVERS = ('bind_receiver', 'bind_transceiver')
MESSAGE_STATES = {
    'ENROUTE': 1, 'DELIVRD': 2, 'EXPIRED': 3, 'DELETED': 4,
    'UNDELIV': 5, 'ACCEPTD': 6, 'UNKNOWN': 7, 'REJECTD': 8,
    }
MAX_PDU_LENGTH = 70000
POLL = 0.01  # seconds a session waits for data before pushing receipts
WINDOW = 10  # receipts sent to a session before their deliver_sm_resp
RETRY_DELAY = 0.2  # seconds before a refused receipt is offered again

# GSM 03.38: default alphabet, then extension table (after ESC 0x1B);
# written out here rather than taken from the module's encoding, so the
# SMSC checks what the client sends against its own copy of the standard
GSM_DECODE = dict(enumerate(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\ufffdÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'))
GSM_EXTENSION_DECODE = {
    0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\',
    0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€',
    }
_TLV_NAMES = {code: name for name, code in consts.OPTIONAL_PARAMS.items()}


def decode(body, data_coding):
    "The text of one part's user data (without UDH)"
    if data_coding == 0x08:
        return body.decode('utf-16-be', errors='replace')
    if data_coding == 0x00:
        chars, escape = [], False
        for octet in body:
            if escape:
                chars.append(GSM_EXTENSION_DECODE.get(octet, '\ufffd'))
                escape = False
            elif octet == 0x1B:
                escape = True
            else:
                chars.append(GSM_DECODE.get(octet, '\ufffd'))
        if escape:  # an escape cut from its character
            chars.append('\ufffd')
        return ''.join(chars)
    if data_coding == 0x01:
        return body.decode('ascii', errors='replace')
    return body.decode('latin-1')


def concatenation(udh, pdu):
    "(reference, total, number) of a part, or None"
    if udh:
        position = 1
        while position + 2 <= len(udh):
            iei, length = udh[position], udh[position + 1]
            data = udh[position + 2:position + 2 + length]
            position += 2 + length
            if iei == 0x00 and len(data) == 3:
                return data[0], data[1], data[2]
            if iei == 0x08 and len(data) == 4:
                return (data[0] << 8) | data[1], data[2], data[3]
    total = getattr(pdu, 'sar_total_segments', None)
    if total:
        return (pdu.sar_msg_ref_num, total, pdu.sar_segment_seqnum)
    return None


def _text(value):
    return value.decode('latin-1') if isinstance(value, bytes) else (
        value or '')


def _parse_tlvs(pdu, data):
    """Optional parameters, skipping those the command does not define
    (the SMSC's own parser, independent of the client's in smpp.py)"""
    position = 0
    while position < len(data):
        tag, length = struct.unpack_from('>HH', data, position)
        value = data[position + 4:position + 4 + length]
        if len(value) != length:
            raise ValueError('truncated TLV')
        position += 4 + length
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


def _parse(name, data):
    pdu = smpp.make_pdu(name, sequence=0, allow_unknown_opt_params=True)
    pdu.parse_optional_params = lambda body: _parse_tlvs(pdu, body)
    pdu.parse(data)
    return pdu


class _Session:
    "One ESME connection"

    def __init__(self, smsc, sock):
        self.smsc = smsc
        self.sock = sock
        self.sequences = SimpleSequenceGenerator()
        self.mode = None
        self.system_id = None
        self.inflight = {}  # deliver_sm sequence: receipt
        self.buffer = b''
        self.open = True

    def run(self):
        self.sock.settimeout(5)
        try:
            while self.open and not self.smsc._stopping.is_set():
                if select.select([self.sock], [], [], POLL)[0]:
                    data = self.sock.recv(65536)
                    if not data:
                        break
                    self.buffer += data
                    self.drain()
                if self.open and self.mode in RECEIVERS:
                    self.push_receipts()
        except OSError as exception:
            logger.debug('session ended: %s', exception)
        except Exception:
            logger.exception('session failed')
        finally:
            self.open = False
            self.smsc._requeue(list(self.inflight.values()))
            self.inflight.clear()

    def send(self, pdu, body=True):
        data = pdu.generate()
        if not body:
            # a negative response carries no body (SMPP v3.4, 4.1)
            data = struct.pack('>L', 16) + data[4:16]
        self.sock.sendall(data)

    def respond(self, name, sequence, status=ROK, **values):
        pdu = smpp.make_pdu(name, client=self.sequences, status=status,
            **values)
        pdu.sequence = sequence
        self.send(pdu, body=status == ROK)

    def drain(self):
        while self.open and len(self.buffer) >= 4:
            length, = struct.unpack('>L', self.buffer[:4])
            if not 16 <= length <= MAX_PDU_LENGTH:
                sequence = 0
                if len(self.buffer) >= 16:
                    sequence, = struct.unpack('>L', self.buffer[12:16])
                self.respond('generic_nack', sequence,
                    consts.SMPP_ESME_RINVCMDLEN)
                self.open = False
                return
            if len(self.buffer) < length:
                return
            data, self.buffer = self.buffer[:length], self.buffer[length:]
            self.handle(data)

    def handle(self, data):
        _, command_id, status, sequence = struct.unpack('>LLLL', data[:16])
        try:
            name = command_codes.get_command_name(command_id)
        except exceptions.UnknownCommandError:
            name = None
        if name == 'deliver_sm_resp':
            return self.receipt_answered(sequence, status)
        if name in {'enquire_link_resp', 'generic_nack'} or (
                command_id & 0x80000000):
            return
        if name not in BINDS + ('submit_sm', 'enquire_link', 'unbind'):
            return self.respond('generic_nack', sequence,
                consts.SMPP_ESME_RINVCMDID)
        try:
            pdu = _parse(name, data)
        except Exception as exception:
            logger.debug('malformed %s: %s', name, exception)
            return self.respond('generic_nack', sequence,
                consts.SMPP_ESME_RINVCMDLEN)
        if name in BINDS:
            self.bind(pdu)
        elif name == 'submit_sm':
            self.submit(pdu)
        elif name == 'enquire_link':
            self.respond('enquire_link_resp', sequence)
        elif name == 'unbind':
            # unanswered receipts wait for the next receiver
            self.open = False
            self.smsc._requeue(list(self.inflight.values()))
            self.inflight.clear()
            self.respond('unbind_resp', sequence)

    def bind(self, pdu):
        smsc = self.smsc
        system_id = _text(pdu.system_id)
        if self.mode:
            status = consts.SMPP_ESME_RALYBND
        elif system_id != smsc.system_id:
            status = consts.SMPP_ESME_RINVSYSID
        elif _text(pdu.password) != smsc.password:
            status = consts.SMPP_ESME_RINVPASWD
        else:
            status = ROK
            self.mode, self.system_id = pdu.command, system_id
            with smsc._lock:
                smsc.binds.append((pdu.command, system_id))
        self.respond(pdu.command + '_resp', pdu.sequence, status,
            system_id='TestSMSC',
            sc_interface_version=consts.SMPP_VERSION_34)

    def submit(self, pdu):
        smsc = self.smsc
        destination = _text(pdu.destination_addr)
        with smsc._lock:
            if self.mode not in TRANSMITTERS:
                status = consts.SMPP_ESME_RINVBNDSTS
            elif smsc.refuse_submits > 0:
                smsc.refuse_submits -= 1
                status = consts.SMPP_ESME_RSYSERR
            elif not destination or destination in smsc.invalid_destinations:
                status = consts.SMPP_ESME_RINVDSTADR
            else:
                status = ROK
                mute = (smsc.mute_after is not None
                    and len(smsc.submissions) >= smsc.mute_after)
                message_id = smsc._record(self.system_id, pdu)
                if mute:
                    return
        if status:
            return self.respond('submit_sm_resp', pdu.sequence, status)
        self.respond('submit_sm_resp', pdu.sequence, message_id=message_id)

    def push_receipts(self):
        receipts = self.smsc._take_receipts(
            self.system_id, WINDOW - len(self.inflight))
        for receipt in receipts:
            pdu = smpp.make_pdu('deliver_sm', client=self.sequences,
                service_type='',
                source_addr_ton=receipt['dest_addr_ton'],
                source_addr_npi=receipt['dest_addr_npi'],
                source_addr=receipt['destination_addr'],
                dest_addr_ton=receipt['source_addr_ton'],
                dest_addr_npi=receipt['source_addr_npi'],
                destination_addr=receipt['source_addr'],
                esm_class=0x04,
                data_coding=0,
                short_message=receipt['text'].encode('ascii', 'replace'),
                receipted_message_id=receipt['message_id'],
                message_state=MESSAGE_STATES.get(receipt['stat'], 7))
            self.inflight[pdu.sequence] = receipt
            self.send(pdu)

    def receipt_answered(self, sequence, status):
        receipt = self.inflight.pop(sequence, None)
        if receipt is None:
            return
        if status == ROK:
            with self.smsc._lock:
                self.smsc.acknowledged_receipts.append(receipt['message_id'])
        else:
            receipt['due'] = time.monotonic() + RETRY_DELAY
            self.smsc._requeue([receipt])


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        _Session(self.server.smsc, self.request).run()


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    # server_close() waits for every session to end
    daemon_threads = False
    block_on_close = True


class TestSMSC:
    """An SMSC on 127.0.0.1 (a free port, self.port) for one system_id.

    submissions: one dict per accepted submit_sm
    messages: the reassembled messages
    binds: (command, system_id) of each successful bind
    refuse_submits: refuse that many next submit_sm with ESME_RSYSERR
    mute_after: once that many submit_sm are accepted, accept the next ones
    without answering (the answer is lost: the client cannot know)
    invalid_destinations: destination_addr refused with ESME_RINVDSTADR
    acknowledged_receipts: message ids of the receipts an ESME accepted"""
    __test__ = False  # not a test case, whatever its name

    def __init__(self, system_id='pakn', password='secret',
            receipt_delay=0.0, receipt_stat='DELIVRD'):
        self.system_id = system_id
        self.password = password
        self.receipt_delay = receipt_delay
        self.receipt_stat = receipt_stat
        self.host = '127.0.0.1'
        self.port = None
        self.submissions = []
        self.messages = []
        self.binds = []
        self.refuse_submits = 0
        self.mute_after = None
        self.invalid_destinations = set()
        self.acknowledged_receipts = []
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._ids = itertools.count(0x1A2B0001)
        self._serials = itertools.count()
        self._receipts = []
        self._parts = {}
        self._server = self._thread = None

    def start(self):
        self._stopping.clear()
        self._server = _Server((self.host, 0), _Handler)
        self._server.smsc = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
            kwargs={'poll_interval': 0.05}, name=f'TestSMSC:{self.port}',
            daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def settings(self, **values):
        "Settings for pakn_sms.smpp to reach this SMSC, updated by values"
        settings = {
            'host': self.host,
            'port': self.port,
            'system_id': self.system_id,
            'password': self.password,
            'system_type': '',
            'source_addr': '1022 Gia Lai',
            'source_addr_ton': 5,
            'source_addr_npi': 0,
            'dest_addr_ton': 1,
            'dest_addr_npi': 1,
            'timeout': 2.0,
            'registered_delivery': True,
            }
        settings.update(values)
        return settings

    @property
    def pending_receipts(self):
        "The number of receipts no receiver has accepted yet"
        with self._lock:
            return len(self._receipts)

    # Called by the sessions, under self._lock

    def _record(self, system_id, pdu):
        "Store an accepted submit_sm; return its message id"
        message_id = f'{next(self._ids):08X}'
        short_message = pdu.short_message or b''
        if not short_message and getattr(pdu, 'message_payload', None):
            short_message = pdu.message_payload
        udh, body = None, short_message
        if (pdu.esm_class or 0) & 0x40 and short_message:
            udh = short_message[:1 + short_message[0]]
            body = short_message[len(udh):]
        submission = {
            'message_id': message_id,
            'system_id': system_id,
            'source_addr': _text(pdu.source_addr),
            'source_addr_ton': pdu.source_addr_ton,
            'source_addr_npi': pdu.source_addr_npi,
            'destination_addr': _text(pdu.destination_addr),
            'dest_addr_ton': pdu.dest_addr_ton,
            'dest_addr_npi': pdu.dest_addr_npi,
            'data_coding': pdu.data_coding,
            'esm_class': pdu.esm_class,
            'registered_delivery': pdu.registered_delivery,
            'short_message': short_message,
            'udh': udh,
            'payload': body,
            }
        self.submissions.append(submission)
        text = decode(body, pdu.data_coding)
        self._reassemble(submission, concatenation(udh, pdu), text)
        requested = (pdu.registered_delivery or 0) & 0x03
        if requested == 1 or (
                requested == 2 and self.receipt_stat != 'DELIVRD'):
            self._queue_receipt(submission, text)
        return message_id

    def _reassemble(self, submission, concat, text):
        addresses = {
            'destination_addr': submission['destination_addr'],
            'source_addr': submission['source_addr'],
            }
        if concat is None or not 1 <= concat[2] <= concat[1]:
            self.messages.append({
                    'message_ids': [submission['message_id']],
                    'text': text, 'parts': 1, **addresses})
            return
        reference, total, number = concat
        key = (submission['system_id'], submission['source_addr'],
            submission['destination_addr'], reference, total)
        parts = self._parts.setdefault(key, {})
        parts[number] = (submission['message_id'], text)
        if len(parts) == total:
            del self._parts[key]
            ordered = [parts[n] for n in range(1, total + 1)]
            self.messages.append({
                    'message_ids': [i for i, _ in ordered],
                    'text': ''.join(t for _, t in ordered),
                    'parts': total, **addresses})

    def _queue_receipt(self, submission, text):
        submitted = time.time()
        done = submitted + self.receipt_delay
        delivered = self.receipt_stat == 'DELIVRD'

        def date(instant):
            return time.strftime('%y%m%d%H%M', time.localtime(instant))
        self._receipts.append({
                'serial': next(self._serials),
                'due': time.monotonic() + self.receipt_delay,
                'message_id': submission['message_id'],
                'stat': self.receipt_stat,
                'text': (
                    f"id:{submission['message_id']} sub:001 "
                    f"dlvrd:{'001' if delivered else '000'} "
                    f"submit date:{date(submitted)} done date:{date(done)} "
                    f"stat:{self.receipt_stat} "
                    f"err:{'000' if delivered else '001'} text:{text[:20]}"),
                **{key: submission[key] for key in [
                        'system_id', 'source_addr', 'source_addr_ton',
                        'source_addr_npi', 'destination_addr',
                        'dest_addr_ton', 'dest_addr_npi']},
                })

    def _take_receipts(self, system_id, count):
        "Remove and return up to count due receipts of system_id"
        if count <= 0:
            return []
        now = time.monotonic()
        with self._lock:
            due = [r for r in self._receipts
                if r['system_id'] == system_id and r['due'] <= now][:count]
            for receipt in due:
                self._receipts.remove(receipt)
        return due

    def _requeue(self, receipts):
        if receipts:
            with self._lock:
                self._receipts.extend(receipts)
                self._receipts.sort(key=lambda r: r['serial'])
