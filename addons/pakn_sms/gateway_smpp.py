# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The SMPP gateway: an SMSC spoken to in SMPP v3.4 (the protocol itself is
in smpp.py), with its delivery receipts.

It cannot look a message up: SMPP v3.4 finds a message by the SMSC's id
only (query_sm), which is what was not saved when the sending was cut off;
the contract's lookup says so."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from . import smpp
from .gateway import SendError

_SMPP = Eval('kind') == 'smpp'
_shown = {'invisible': ~_SMPP}
_required = {'invisible': ~_SMPP, 'required': _SMPP}


class Gateway(metaclass=PoolMeta):
    __name__ = 'pakn.sms.gateway'

    smpp_host = fields.Char("Host", states=_required)
    smpp_port = fields.Integer("Port", states=_required)
    smpp_system_id = fields.Char("System ID", states=_required)
    smpp_password = fields.Char("Password", states=_shown)
    smpp_system_type = fields.Char("System Type", states=_shown)
    smpp_source_ton = fields.Integer("Source TON", states=_shown)
    smpp_source_npi = fields.Integer("Source NPI", states=_shown)
    smpp_dest_ton = fields.Integer("Destination TON", states=_required)
    smpp_dest_npi = fields.Integer("Destination NPI", states=_required)
    smpp_receipts = fields.Boolean(
        "Delivery Receipts", states=_shown,
        help="Ask the SMSC for delivery receipts and collect them.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('smpp', "SMPP v3.4"))

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

    def check_settings(self):
        super().check_settings()
        if self.kind != 'smpp':
            return
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

    def send(self, message):
        if self.kind != 'smpp':
            return super().send(message)
        try:
            ids = smpp.submit(
                self._smpp_settings(), message.recipient, message.body,
                unicode=message.encoding == 'ucs2',
                reference=message.reference)
        except smpp.SmppError as e:
            raise self._smpp_error(e, outcome=(
                    'unknown' if e.unknown
                    else 'temporary' if e.temporary else 'permanent')) from e
        return ' '.join(ids)

    @property
    def supports_receipts(self):
        if self.kind == 'smpp':
            return bool(self.smpp_receipts)
        return super().supports_receipts

    def fetch_receipts(self, wait=2.0):
        if self.kind != 'smpp':
            return super().fetch_receipts(wait=wait)
        try:
            return smpp.fetch_receipts(self._smpp_settings(), wait=wait)
        except smpp.SmppError as e:
            raise self._smpp_error(e) from e

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

    def _smpp_error(self, error, outcome='temporary'):
        return SendError(gettext(
                'pakn_sms.msg_gateway_smpp', gateway=self.rec_name,
                error=str(error)), outcome=outcome)
