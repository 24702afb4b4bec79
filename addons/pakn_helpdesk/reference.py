# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)

from .model import IntegrityMixin


class _CodedMixin(
        IntegrityMixin, DeactivableMixin, sequence_ordered(), ModelSQL,
        ModelView):
    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True, strip=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        module, model = cls.__name__.split('.')[:2]
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'pakn_helpdesk.msg_%s_code_unique' % model),
            ]


class Field(_CodedMixin, ModelSQL, ModelView):
    "Subject area (lĩnh vực) of a case"
    __name__ = 'pakn.field'
    __string__ = "PAKN Field"


class Category(_CodedMixin, ModelSQL, ModelView):
    "Kind of content a hotline receives, as listed by a regulation"
    __name__ = 'pakn.category'
    __string__ = "PAKN Content Category"
    regulation = fields.Char(
        "Regulation", help="The regulation that lists this category, "
        "e.g. DN2017, GL2021, HP2024.")
    article = fields.Char(
        "Article", help="The article of the regulation it comes from.")
    out_of_scope = fields.Boolean(
        "Out of Scope",
        help="Cases of this category are not handled by the hotline "
        "(complaints and denunciations): they are rejected with guidance.")
    guidance = fields.Text(
        "Guidance",
        help="The guidance given to the submitter when such a case is "
        "rejected.")

    @staticmethod
    def default_out_of_scope():
        return False


class Channel(_CodedMixin, ModelSQL, ModelView):
    "Channel through which a case is received"
    __name__ = 'pakn.channel'
    __string__ = "PAKN Channel"
    phone = fields.Boolean(
        "Phone Call",
        help="Cases received on this channel record the call recording "
        "reference.")

    @staticmethod
    def default_phone():
        return False
