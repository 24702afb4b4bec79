# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import requests

from trytond.model import fields
from trytond.modules.pakn_sms.gateway import SendError
from trytond.pool import PoolMeta
from trytond.tests import test_tryton

from .http_gateway import HttpGateway
from .test_module import T0, SmsWorld


class Gateway(metaclass=PoolMeta):
    __name__ = 'pakn.sms.gateway'
    loopback_url = fields.Char("Loopback URL")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('loopback', "Loopback JSON"))

    def send(self, message):
        return self.call('POST', '/send', json={
                'to': message.recipient[1:], 'client_ref': message.reference,
                }) if self.kind == 'loopback' else super().send(message)

    @property
    def can_lookup(self):
        return self.kind == 'loopback' or super().can_lookup

    def lookup(self, message):
        return self.call('GET', '/status', params={'ref': message.reference}
            ) if self.kind == 'loopback' else super().lookup(message)

    def call(self, method, path, **kwargs):
        try:
            return requests.request(method, self.loopback_url + path,
                timeout=self.timeout, **kwargs).json().get('id')
        except requests.RequestException as e:
            raise SendError(str(e), outcome='unknown') from e


class GatewayKindTestCase(SmsWorld, test_tryton.ModuleTestCase):
    extensions = [Gateway]

    @test_tryton.with_transaction()
    def test_send_and_lookup(self):
        "A kind added by this test alone sends and looks up for the outbox"
        with HttpGateway(token=None) as server:
            self.setup_world(gateway={'name': "Loopback", 'sender': '1022',
                    'kind': 'loopback', 'loopback_url': server.url})
            for _ in range(3):
                self.click('forward', self.new_ticket())
            server.plan = ['ok', 'cut', 'drop']
            for _ in range(3):
                self.send(T0)
        self.assert_once_in_order(server)
        self.assertEqual([m.attempts for m in self.messages()], [1, 1, 2])
