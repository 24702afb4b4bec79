# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    pakn_focal_units = fields.Many2Many(
        'pakn.unit-res.user.focal_point', 'user', 'unit',
        "Units as Focal Point")
    pakn_led_units = fields.Many2Many(
        'pakn.unit-res.user.leader', 'user', 'unit', "Units as Leader")
    _get_pakn_units_cache = Cache('res_user.get_pakn_units', context=False)

    @classmethod
    def get_pakn_units(cls):
        """Return the sorted tuple of unit ids whose cases the user handles:
        the units of which the user is a focal point or a leader, and the
        sub-units of the units the user leads."""
        pool = Pool()
        Unit = pool.get('pakn.unit')
        transaction = Transaction()
        user_id = transaction.user
        units = cls._get_pakn_units_cache.get(user_id)
        if units is not None:
            return units
        with without_check_access():
            user = cls(user_id)
            unit_ids = {u.id for u in user.pakn_focal_units}
            led_ids = [u.id for u in user.pakn_led_units]
            if led_ids:
                unit_ids.update(u.id for u in Unit.search([
                            ('parent', 'child_of', led_ids),
                            ('active', 'in', [True, False]),
                            ]))
        units = tuple(sorted(unit_ids))
        return cls._get_pakn_units_cache.set(user_id, units)
