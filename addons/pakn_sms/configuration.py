# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'pakn.configuration'

    sms_gateway = fields.Many2One(
        'pakn.sms.gateway', "SMS Gateway", ondelete='RESTRICT',
        help="The gateway that sends the province's messages. Without one, "
        "messages wait in the outbox.")
