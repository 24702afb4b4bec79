# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Staff for the two-factor login and privacy tests, loaded into DATABASE
through proteus; SMS through a file gateway writing SMS_FILE. Prints the
ids as JSON.

The groups come as the modules install them, which is how `make demo`
leaves them; then PAKN Unit Leader asks for the code.

Usage: two_factor_fixture.py DATABASE SMS_FILE"""
import json
import sys

from proteus import Model
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_user, get_group
from trytond.pool import Pool
from trytond.transaction import Transaction

PASSWORD = 'two-factor-1022'


def main(database, sms_file):
    config = pconfig.set_trytond(database)
    Group = Model.get('res.group')
    # as installed (and as the demo leaves them): nobody needs a code
    installed = [g.name for g in Group.find([('pakn_two_factor', '=', True)])]
    Gateway = Model.get('pakn.sms.gateway')
    gateway = Gateway(
        name="Demo", kind='file', sender='1022 TEST', file_path=sms_file)
    gateway.save()
    Configuration = Model.get('pakn.configuration')
    configuration = Configuration(1)
    configuration.sms_gateway = gateway
    configuration.save()
    users, emails = {}, {}
    for login, roles, mobile, email in [
            ('leader', ['leader'], '0911 000 001', 'leader@example.com'),
            ('leader_nomobile', ['leader'], None, None),
            ('specialist', ['specialist'], '0911 000 002',
                'specialist@example.com'),
            ('office', ['office'], '0911 000 003', None),
            ('pakn_admin', ['admin'], None, None),
            ]:
        user = create_user(login, login, roles, password=PASSWORD,
            config=config)
        user.pakn_mobile = mobile
        user.save()
        users[login] = user.id
        if email:
            emails[login] = email
    set_emails(database, emails)
    leaders = get_group('leader', config=config)
    leaders.pakn_two_factor = True
    leaders.save()
    json.dump({
            'users': users,
            'password': PASSWORD,
            'installed_two_factor_groups': installed,
            }, sys.stdout)


def set_emails(database, emails):
    """Store the e-mail addresses as they are: trytond checks that their
    domain receives mail, and the test machine may have no DNS"""
    with Transaction().start(database, 0) as transaction:
        user = Pool(database).get('res.user').__table__()
        cursor = transaction.connection.cursor()
        for login, email in emails.items():
            cursor.execute(*user.update(
                    [user.email], [email], where=user.login == login))
        transaction.commit()


if __name__ == '__main__':
    main(*sys.argv[1:])
