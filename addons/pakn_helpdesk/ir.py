# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import polib

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta

from .exceptions import TicketValidationError
from .lifecycle import ANSWER_FIXED_STATES
from .model import normalize_text_values


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
    def preprocess_values(cls, mode, values):
        # The names of the files are texts that enter the system too
        values = super().preprocess_values(mode, values)
        return normalize_text_values(cls, values)

    @classmethod
    def check_modification(
            cls, mode, attachments, values=None, external=False):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        super().check_modification(
            mode, attachments, values=values, external=external)
        if not external:
            return
        # The evidence files are part of the answer the leader approved
        # (Annex I names them): no client adds, changes or removes them
        # once it is approved
        values = values or {}
        moved_to = None
        if isinstance(values.get('resource'), str):
            model, _, id_ = values['resource'].partition(',')
            if model == Ticket.__name__ and id_.lstrip('-').isdigit():
                moved_to = Ticket(int(id_))
        for attachment in attachments:
            if 'evidence' not in {
                    attachment.pakn_kind, values.get('pakn_kind')}:
                continue
            for resource in [attachment.resource, moved_to]:
                if (isinstance(resource, Ticket) and resource.id >= 0
                        and resource.state in ANSWER_FIXED_STATES):
                    raise AccessError(gettext(
                            'pakn_helpdesk.msg_ticket_evidence_fixed',
                            ticket=resource.rec_name))

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


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        cls._create_overridden(lang, po_path)
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _create_overridden(cls, lang, po_path):
        """Create the rows of the translations of other modules that the po
        files override (locale/override/), when that language has none yet:
        Tryton overrides only existing rows, and Tryton itself ships no
        Vietnamese."""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        to_create = []
        for path in po_path:
            for entry in polib.pofile(path):
                if entry.obsolete:
                    continue
                translation, res_id = cls.from_poentry(entry)
                if '.' not in res_id or translation.type != 'model':
                    continue
                module, fs_id = res_id.split('.')
                try:
                    db_id = ModelData.get_id(module, fs_id)
                except KeyError:
                    continue
                domain = [
                    ('name', '=', translation.name),
                    ('res_id', '=', db_id),
                    ('type', '=', translation.type),
                    ('module', '=', module),
                    ]
                if cls.search(domain + [('lang', '=', lang)], limit=1):
                    continue
                to_create.append({
                        'name': translation.name,
                        'res_id': db_id,
                        'type': translation.type,
                        'module': module,
                        'lang': lang,
                        'src': translation.src,
                        'value': '',
                        'fuzzy': False,
                        })
        if to_create:
            cls.create(to_create)
