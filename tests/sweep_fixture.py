# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load COUNT forwarded cases under DN2017 whose deadlines are all due.

Usage: sweep_fixture.py DATABASE COUNT"""
import datetime as dt
import json
import sys

from fixture_tools import run_load


def main(database, count):
    return run_load(database, load, int(count))


def load(pool, transaction, count):
    if True:
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        Ticket = pool.get('pakn.ticket')
        Deadline = pool.get('pakn.ticket.deadline')
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        ModelData = pool.get('ir.model.data')
        config = Configuration(1)
        config.sla_profile, = Profile.search([('code', '=', 'DN2017')])
        config.save()
        focal, head = User.create([
                {'login': 'focal', 'name': "Đầu mối"},
                {'login': 'head', 'name': "Thủ trưởng"}])
        unit, = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    'focal_points': [('add', [focal.id])],
                    'leaders': [('add', [head.id])]}])
        tickets = Ticket.create([{
                    'channel': ModelData.get_id(
                        'pakn_helpdesk', 'channel_web'),
                    'submitter_name': "Người dân %s" % i,
                    'submitter_phone': '0912345678',
                    'submitter_address': "1 Lê Lợi",
                    'content': "Phản ánh số %s" % i,
                    'lead_unit': unit.id,
                    } for i in range(count)])
        Ticket.forward(tickets)
        deadlines = Deadline.search([('state', '=', 'running')])
        past = dt.datetime.now() - dt.timedelta(minutes=1)
        Deadline.write(deadlines, {'due': past})
        transaction.commit()
        json.dump({
                'tickets': [t.id for t in tickets],
                'deadlines': len(deadlines),
                }, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
