# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load three cases, received and forwarded to a department by an operator,
into DATABASE through proteus, then print their ids as JSON.

Usage: chain_fixture.py DATABASE"""
import json
import sys

from proteus import Model
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_units, create_user


def main(database):
    config = pconfig.set_trytond(database)
    units = create_units()
    config.user = create_user('operator', "Operator", ['operator']).id
    Ticket = Model.get('pakn.ticket')
    Unit = Model.get('pakn.unit')
    web, = Model.get('pakn.channel').find([('code', '=', 'web')])
    tickets = {}
    for key in 'abc':
        ticket = Ticket(
            channel=web, submitter_name="Đỗ Văn Cường",
            submitter_phone='0903123456', submitter_address="3 Hùng Vương",
            content="Cống thoát nước bị tắc (%s)" % key,
            lead_unit=Unit(units['construction'].id))
        ticket.save()
        ticket.click('forward')
        tickets[key] = ticket.id
    json.dump({'tickets': tickets}, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
