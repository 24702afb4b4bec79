# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .exceptions import TicketValidationError


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "pakn_units" as list of ids of the PAKN units whose cases '
            'the current user handles')

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, User.get_pakn_units())

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        context['pakn_units'] = User.get_pakn_units()
        return context


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    pakn_kind = fields.Selection([
            (None, ""),
            ('submission', "Submitted by the Citizen"),
            ('evidence', "Evidence of the Result"),
            ('internal', "Internal"),
            ], "PAKN Kind",
        help="For attachments of a case: what the file is. Only evidence "
        "is published with the answer.")

    @classmethod
    def validate_fields(cls, attachments, field_names):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        super().validate_fields(attachments, field_names)
        for attachment in attachments:
            resource = attachment.resource
            if (isinstance(resource, Ticket) and resource.id >= 0
                    and resource.state_secret):
                raise TicketValidationError(gettext(
                        'pakn_helpdesk.msg_ticket_secret_attachment',
                        ticket=resource.rec_name))
