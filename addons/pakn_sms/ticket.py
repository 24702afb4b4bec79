# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .phone import is_mobile


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    sms_messages = fields.One2Many(
        'pakn.sms.message', 'ticket', "SMS", readonly=True)
    submitter_sms = fields.Function(
        fields.Boolean(
            "Receives SMS",
            help="The submitter's phone is a mobile: the hotline's SMS "
            "reach them."),
        'on_change_with_submitter_sms')

    @fields.depends('submitter_phone')
    def on_change_with_submitter_sms(self, name=None):
        return is_mobile(self.submitter_phone)

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sms_messages')
        return super().copy(tickets, default=default)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event_reactions.append((30, 'sms_react'))

    @classmethod
    def sms_react(cls, tickets, events):
        "Queue the messages of the events"
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        Message.notify(events)
