# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load two units, their staff and a case each into DATABASE through proteus,
then print the ids as JSON. The users speak LANGUAGE (default English).

Usage: rpc_fixture.py DATABASE [LANGUAGE]"""
import json
import sys

from proteus import Model
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_units, create_user

PASSWORD = 'rpc-test-1022'


def main(database, language=None):
    config = pconfig.set_trytond(database)
    units = create_units(config)
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')
    lang, = Lang.find([('code', '=', language or 'en')])
    users = {}
    for login, roles in [
            ('spec_a', ['specialist']),
            ('spec_b', ['specialist']),
            ('leader_a', ['leader']),
            ('office', ['office']),
            ('operator', ['operator']),
            ('pakn_admin', ['admin']),
            ]:
        users[login] = user = create_user(
            login, login, roles, password=PASSWORD, config=config)
        user.language = lang
        user.save()
    for key, spec, leader in [
            ('construction', 'spec_a', 'leader_a'),
            ('health', 'spec_b', None)]:
        unit = units[key]
        unit.focal_points.append(User(users[spec].id))
        if leader:
            unit.leaders.append(User(users[leader].id))
        unit.save()
    config.user = users['operator'].id
    Ticket = Model.get('pakn.ticket')
    web, = Model.get('pakn.channel').find([('code', '=', 'web')])
    tickets = {}
    for key, unit in [('a', 'construction'), ('b', 'health')]:
        ticket = Ticket(
            channel=web, submitter_name="Đỗ Văn Cường",
            submitter_phone='0903123456', submitter_address="3 Hùng Vương",
            content="Cống thoát nước bị tắc (%s)" % key,
            lead_unit=Model.get('pakn.unit')(units[unit].id))
        ticket.save()
        ticket.click('forward')
        tickets[key] = ticket.id
    json.dump({
            'users': {k: u.id for k, u in users.items()},
            'tickets': tickets,
            'password': PASSWORD,
            }, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
