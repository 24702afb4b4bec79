# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Queue COUNT transfer slips (SMS to a unit's focal point) through an HTTP
gateway at URL.

Usage: sms_fixture.py DATABASE URL COUNT"""
import json
import sys

from fixture_tools import run_load

from trytond.modules.pakn_sms.tests.http_gateway import HttpGateway


def main(database, url, count):
    return run_load(database, load, url, int(count))


def load(pool, transaction, url, count):
    Unit = pool.get('pakn.unit')
    User = pool.get('res.user')
    Ticket = pool.get('pakn.ticket')
    Gateway = pool.get('pakn.sms.gateway')
    Template = pool.get('pakn.sms.template')
    Message = pool.get('pakn.sms.message')
    Configuration = pool.get('pakn.configuration')
    ModelData = pool.get('ir.model.data')
    provider = HttpGateway()
    provider.port = int(url.rsplit(':', 1)[1])
    config = Configuration(1)
    config.sms_gateway, = Gateway.create([provider.gateway_values(
                timeout=0.5)])
    config.save()
    # send at any hour: the test runs whenever it runs
    Template.write(Template.search([]), {
            'quiet_start': None, 'quiet_end': None})
    focal, other = User.create([
            {'login': 'focal', 'name': "Đầu mối",
                'pakn_mobile': '0912000001'},
            {'login': 'other', 'name': "Đầu mối 2",
                'pakn_mobile': '0912000002'}])
    first, second = Unit.create([{
                'name': "Sở Xây dựng", 'code': 'SXD', 'kind': 'department',
                'focal_points': [('add', [focal.id])],
                }, {
                'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                'focal_points': [('add', [other.id])],
                }])
    tickets = Ticket.create([{
                'channel': ModelData.get_id('pakn_helpdesk', 'channel_web'),
                'submitter_name': "Người dân %s" % i,
                'submitter_phone': '0987654321',
                'submitter_address': "1 Lê Lợi",
                'content': "Phản ánh số %s" % i,
                'lead_unit': (first if i % 2 else second).id,
                } for i in range(count)])
    Ticket.forward(tickets)
    transaction.commit()
    json.dump({
            'messages': [m.reference
                for m in Message.search([], order=[('id', 'ASC')])],
            }, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
