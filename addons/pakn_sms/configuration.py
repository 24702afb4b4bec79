# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import string

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta

from .exceptions import TemplateValidationError


class Configuration(metaclass=PoolMeta):
    __name__ = 'pakn.configuration'

    sms_gateway = fields.Many2One(
        'pakn.sms.gateway', "SMS Gateway", ondelete='RESTRICT',
        help="The gateway that sends the province's messages. Without one, "
        "messages wait in the outbox.")
    tracking_url = fields.Char(
        "Tracking Link",
        help="The public page of a case, sent to the citizen: ${code} is "
        "its tracking code.")

    @staticmethod
    def default_tracking_url():
        return 'http://localhost:5000/tra-cuu/${code}'

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.tracking_url:
                try:
                    string.Template(record.tracking_url).substitute(code='X')
                except (KeyError, ValueError):
                    raise TemplateValidationError(gettext(
                            'pakn_sms.msg_tracking_url',
                            url=record.tracking_url))

    def get_tracking_link(self, code):
        if not self.tracking_url:
            return ''
        return string.Template(self.tracking_url).substitute(code=code)
