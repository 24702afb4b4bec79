# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class ModelFieldAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'

    @classmethod
    def get_access(cls, models):
        accesses = super().get_access(models)
        # res.user builds its preferences form under this key: a user sees
        # their own preferences whoever may read them on other users
        if (Transaction().context.get('_pakn_preferences_view')
                and 'res.user' in accesses):
            User = Pool().get('res.user')
            accesses = accesses.copy()
            accesses['res.user'] = {
                name: access
                for name, access in accesses['res.user'].items()
                if name not in User._preferences_fields}
        return accesses
