# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers for scenarios: the unit tree and one user per role"
from proteus import Model

GROUPS = {
    'operator': "PAKN Operator",
    'specialist': "PAKN Unit Specialist (Focal Point)",
    'leader': "PAKN Unit Leader",
    'office': "PAKN Supervising Office",
    'admin': "PAKN Administration",
    }


def get_group(role, config=None):
    Group = Model.get('res.group', config=config)
    group, = Group.find([('name', '=', GROUPS[role])])
    return group


def create_user(login, name, roles, password=None, config=None):
    User = Model.get('res.user', config=config)
    user = User(login=login, name=name)
    for role in roles:
        user.groups.append(get_group(role, config=config))
    if password:
        user.password = password
    user.save()
    return user


def create_units(config=None):
    """Create a small province: the office, two departments, one district
    with a commune; return them by key"""
    Unit = Model.get('pakn.unit', config=config)
    units = {}
    office = units['office'] = Unit(
        name="Văn phòng UBND tỉnh", code='VP', kind='province_office',
        supervising_office=True)
    office.save()
    for key, name, code, kind, parent in [
            ('construction', "Sở Xây dựng", 'SXD', 'department', None),
            ('health', "Sở Y tế", 'SYT', 'department', None),
            ('district', "UBND huyện Đông Anh", 'DA', 'district', None),
            ('commune', "UBND xã Tiên Dương", 'DA-TD', 'commune',
                'district'),
            ]:
        unit = units[key] = Unit(
            name=name, code=code, kind=kind,
            parent=units[parent] if parent else None)
        unit.save()
    return units
