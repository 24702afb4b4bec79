# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta

from .phone import normalize_mobile


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    pakn_mobile = fields.Char(
        "Mobile", help="Where the hotline's SMS reach this person: "
        "transfer slips, escalations, reminders.")

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('pakn_mobile'):
            values['pakn_mobile'] = normalize_mobile(values['pakn_mobile'])
        return values

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.append('pakn_mobile')
