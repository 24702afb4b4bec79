# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load what the access-matrix test needs into DATABASE through proteus,
then print the ids as JSON: one user for each relation to the cases (see
test_access_matrix.RELATIONS), cases in each state through their steps, and
a record of every model of the PAKN modules. The users speak English.

Every case is led by the commune and coordinated by the construction
department, so the relation of a user to every case is the same.

Usage: matrix_fixture.py DATABASE"""
import datetime as dt
import json
import sys

from proteus import Model, Wizard
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_units, create_user
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

PASSWORD = 'matrix-test-1022'
# relation: (roles, the unit of which the user is a focal point, the unit
# the user leads); the login is the relation (pakn_admin for admin)
USERS = {
    'own': (['specialist'], 'commune', None),
    'leader': (['leader'], None, 'commune'),
    'parent': (['leader'], None, 'district'),
    'coordinating': (['specialist'], 'construction', None),
    'other': (['specialist'], 'health', None),
    'office': (['office'], None, None),
    'operator': (['operator'], None, None),
    'admin': (['admin'], None, None),
    }
LOGINS = {'admin': 'pakn_admin'}


def main(database):
    config = pconfig.set_trytond(database)
    units = create_units(config)
    User = Model.get('res.user')
    Unit = Model.get('pakn.unit')
    Lang = Model.get('ir.lang')
    english, = Lang.find([('code', '=', 'en')])
    users = {}
    for key, (roles, focal, leader) in USERS.items():
        login = LOGINS.get(key, key)
        user = users[key] = create_user(
            login, login, roles, password=PASSWORD, config=config)
        user.language = english
        user.save()
        if focal:
            unit = Unit(units[focal].id)
            unit.focal_points.append(User(user.id))
            unit.save()
        if leader:
            unit = Unit(units[leader].id)
            unit.leaders.append(User(user.id))
            unit.save()

    # a province's own profile, copied from a preset (which stays as the
    # module wrote it): the matrix probes both
    Profile = Model.get('pakn.sla.profile')
    preset, = Profile.find([('code', '=', 'DN2017')])
    Profile.duplicate([preset], {'code': 'DN2017-TINH'})

    Ticket = Model.get('pakn.ticket')
    web, = Model.get('pakn.channel').find([('code', '=', 'web')])

    def as_user(key):
        config.user = users[key].id

    def new(key, **values):
        as_user('operator')
        if not values.get('state_secret'):
            values = {
                'submitter_name': "Lê Thị Hoa",
                'submitter_phone': '0912345678',
                'submitter_address': "5 Trần Phú, xã Tiên Dương",
                'content': "Đèn đường thôn Đông bị hỏng (%s)" % key,
                **values}
        ticket = Ticket(channel=web, lead_unit=Unit(units['commune'].id),
            **values)
        ticket.coordinating_units.append(Unit(units['construction'].id))
        ticket.save()
        return ticket

    def step(ticket, key, button, **values):
        as_user(key)
        ticket = Ticket(ticket.id)
        for name, value in values.items():
            setattr(ticket, name, value)
        if values:
            ticket.save()
        ticket.click(button)
        return Ticket(ticket.id)

    def answer(ticket, until):
        ticket = step(ticket, 'operator', 'forward')
        if until == 'forwarded':
            return ticket
        ticket = step(ticket, 'own', 'accept')
        if until == 'processing':
            return ticket
        ticket = step(ticket, 'own', 'submit',
            result="Xã đã thay bóng đèn ngày 20/11.")
        if until == 'waiting_approval':
            return ticket
        return step(ticket, 'leader', 'approve')

    cases = {}
    cases['received'] = new('received')
    cases['clarification'] = step(
        new('clarification'), 'operator', 'request_clarification',
        clarification_request="Xin cho biết số nhà.")
    cases['rejected'] = step(
        new('rejected'), 'operator', 'reject',
        reject_reason="Không thuộc phạm vi.",
        guidance="Gửi đơn đến Thanh tra tỉnh.")
    for until in ['forwarded', 'processing', 'waiting_approval', 'approved']:
        cases[until] = answer(new(until), until)
    cases['approved_confidential'] = answer(
        new('approved_confidential', confidential=True), 'approved')
    cases['sent_privately'] = step(
        answer(new('sent_privately', confidential=True), 'approved'),
        'leader', 'send_privately')
    # Personal data in the question: the publication redacts it
    cases['published'] = step(
        answer(new('published',
                content="Đèn đường hỏng, gọi tôi 0905 123 456."),
            'approved'),
        'leader', 'publish')
    cases['closed'] = step(
        step(answer(new('closed'), 'approved'), 'leader', 'publish'),
        'operator', 'close')
    secret = new('secret', state_secret=True,
        secret_reference='MẬT-2026-07')
    cases['secret'] = step(step(secret, 'operator', 'forward'),
        'own', 'accept')

    # A contribution of the coordinating unit and an extension
    as_user('coordinating')
    contribute = Wizard('pakn.ticket.contribute', [cases['processing']])
    contribute.form.content = "Sở Xây dựng đã kiểm tra cột đèn."
    contribute.execute('contribute')
    as_user('own')
    extend = Wizard('pakn.ticket.extend', [cases['processing']])
    extend.form.days = 2
    extend.form.complex = True  # KH2022 Đ7 k3
    extend.form.reason = "Chờ vật tư thay thế, phối hợp nhiều sở."
    extend.execute('extend')

    # What the portal writes, as the server does (its fields are read-only),
    # and a record of the models that the steps leave empty
    extras = {}
    while True:
        with Transaction().start(database, 0, **extras) as transaction:
            try:
                load_records(Pool(), cases)
                transaction.commit()
                break
            except TransactionError as error:
                transaction.rollback()
                # the singleton of the settings locks its table
                error.fix(extras)

    # the data the modules keep as they wrote it (not noupdate)
    with Transaction().start(database, 0):
        ModelData = Pool().get('ir.model.data')
        fixed = {}
        for data in ModelData.search([
                    ('module', 'in', ['pakn_helpdesk', 'pakn_sms',
                            'pakn_portal']),
                    ('noupdate', '=', False),
                    ('model', 'like', 'pakn.%'),
                    ]):
            # the fields the module's XML sets: nobody changes those
            fixed.setdefault(data.model, {})[data.db_id] = list(
                data.field_names or ())

    json.dump({
            'fixed': fixed,
            'users': {k: u.id for k, u in users.items()},
            'logins': {k: LOGINS.get(k, k) for k in users},
            'units': {k: u.id for k, u in units.items()},
            'cases': {k: t.id for k, t in cases.items()},
            'states': {k: t.state for k, t in cases.items()},
            'password': PASSWORD,
            }, sys.stdout)


def load_records(pool, cases):
    published = pool.get('pakn.ticket')(cases['published'].id)
    pool.get('pakn.portal.followup').create([{
                'ticket': published.id, 'unit': published.lead_unit.id,
                'question': "Bao giờ thay xong cả thôn?",
                'asked_at': dt.datetime(2026, 1, 5, 8),
                }])
    pool.get('pakn.portal.rating').create([{
                'ticket': published.id, 'unit': published.lead_unit.id,
                'value': 'satisfied', 'date': dt.datetime(2026, 1, 5, 9),
                }])
    # the settings are saved once the SMS gateway is set
    configuration = pool.get('pakn.configuration')(1)
    configuration.sms_gateway, = pool.get('pakn.sms.gateway').create([{
                'name': "Tệp", 'kind': 'file', 'sender': 'PAKN1022',
                'file_path': '/tmp/pakn-matrix-sms',
                }])
    configuration.save()
    calendar, = pool.get('pakn.calendar').search([], limit=1)
    pool.get('pakn.calendar.exception').create([{
                'calendar': calendar.id, 'date': dt.date(2026, 9, 2),
                'kind': 'off', 'name': "Quốc khánh",
                }])


if __name__ == '__main__':
    main(*sys.argv[1:])
