#!/usr/bin/env python3
"""Export the translatable strings of a module as a .po file for Vietnamese.

Usage: DB_NAME=pot TRYTOND_DATABASE_URI=sqlite:// \\
    TRYTOND_DATABASE__PATH=/tmp/potdb python tools/export_pot.py MODULE OUT.po

Existing translations of locale/vi.po are kept: the result lists every
string of the module, translated or not, so missing ones stand out."""
import os
import sys

from proteus import Model, Wizard
from proteus import config as pconfig

from trytond.tests import test_tryton


def main(module, out):
    path = os.environ['TRYTOND_DATABASE__PATH']
    os.makedirs(path, exist_ok=True)
    db_file = os.path.join(path, os.environ['DB_NAME'] + '.sqlite')
    if os.path.exists(db_file):
        os.remove(db_file)
    test_tryton.activate_module([module])
    pconfig.set_trytond(os.environ['DB_NAME'])
    Lang = Model.get('ir.lang')
    vi, = Lang.find([('code', '=', 'vi')])
    vi.translatable = True
    vi.save()
    # the module's locale/vi.po, so its translations come out with the rest
    vi.click('load_translations')
    Wizard('ir.translation.set').execute('set_')
    update = Wizard('ir.translation.update')
    update.form.language = vi
    update.execute('update')

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(os.environ['DB_NAME'])
    with Transaction().start(os.environ['DB_NAME'], 0):
        Translation = pool.get('ir.translation')
        data = Translation.translation_export('vi', module)
    with open(out, 'wb') as fp:
        fp.write(data)


if __name__ == '__main__':
    main(*sys.argv[1:])
