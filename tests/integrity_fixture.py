# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load two units, their staff and cases at the steps where the record must
not bend into DATABASE through proteus, then print the ids as JSON:

- approved: answered by unit A's focal point, approved by its leader;
- published: the same, published;
- confidential: confidential at intake, forwarded to unit A;
- processing: accepted by unit A's focal point.

Usage: integrity_fixture.py DATABASE"""
import json
import sys

from proteus import Model
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_units, create_user

PASSWORD = 'integrity-test-1022'
PHONE = '0903123456'


def main(database):
    config = pconfig.set_trytond(database)
    units = create_units(config)
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')
    en, = Lang.find([('code', '=', 'en')])
    users = {}
    for login, roles in [
            ('operator', ['operator']),
            ('spec_a', ['specialist']),
            ('leader_a', ['leader']),
            ('spec_b', ['specialist']),
            ('office', ['office']),
            ('pakn_admin', ['admin']),
            ]:
        users[login] = user = create_user(
            login, login, roles, password=PASSWORD, config=config)
        user.language = en
        user.save()
    construction = units['construction']
    construction.focal_points.append(User(users['spec_a'].id))
    construction.leaders.append(User(users['leader_a'].id))
    construction.save()
    health = units['health']
    health.focal_points.append(User(users['spec_b'].id))
    health.save()

    Ticket = Model.get('pakn.ticket')
    Unit = Model.get('pakn.unit')
    web, = Model.get('pakn.channel').find([('code', '=', 'web')])

    def as_user(login):
        config.user = users[login].id

    def new(content, **values):
        as_user('operator')
        ticket = Ticket(channel=web, submitter_name="Lê Thị Hoa",
            submitter_phone=PHONE, submitter_address="5 Trần Phú",
            content=content, lead_unit=Unit(construction.id), **values)
        ticket.save()
        ticket.click('forward')
        return ticket

    def advance(ticket, until):
        as_user('spec_a')
        ticket = Ticket(ticket.id)
        ticket.click('accept')
        if until == 'processing':
            return ticket
        ticket.result = "Đã sửa chữa đoạn ống nước bị vỡ."
        ticket.click('submit')
        as_user('leader_a')
        ticket = Ticket(ticket.id)
        ticket.click('approve')
        if until == 'published':
            ticket.click('publish')
        return Ticket(ticket.id)

    cases = {
        'approved': advance(
            new("Ống nước trên đường Trần Phú bị vỡ."), 'approved'),
        'published': advance(
            new("Ống nước đường Hùng Vương bị vỡ, nước tràn."), 'published'),
        'confidential': new(
            "Cán bộ phường thu phí sai quy định.", confidential=True),
        'processing': advance(
            new("Cây xanh đường Lý Thường Kiệt sắp đổ."), 'processing'),
        }
    json.dump({
            'users': {k: u.id for k, u in users.items()},
            'cases': {k: t.id for k, t in cases.items()},
            'phone': PHONE,
            'password': PASSWORD,
            }, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
