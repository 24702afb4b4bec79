# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers of the modules' tests of their Vietnamese (inside a transaction)"
from trytond.pool import Pool


def load_vietnamese():
    "Make Vietnamese translatable and load the modules' catalogues"
    pool = Pool()
    Lang = pool.get('ir.lang')
    vi, = Lang.search([('code', '=', 'vi')])
    vi.translatable = True
    vi.save()
    # as the "Load translations" button of the language does
    Lang.load_translations([vi])
    return vi


def missing_translations(module):
    """Return the strings of module without a Vietnamese translation, as
    the "Set Translations" and "Update Translations" wizards find them"""
    pool = Pool()
    Translation = pool.get('ir.translation')
    TranslationSet = pool.get('ir.translation.set', type='wizard')
    TranslationUpdate = pool.get('ir.translation.update', type='wizard')
    vi = load_vietnamese()
    session_id, _, _ = TranslationSet.create()
    TranslationSet(session_id).transition_set_()
    session_id, _, _ = TranslationUpdate.create()
    update = TranslationUpdate(session_id)
    update.start.language = vi
    update.do_update({})
    return ['%s %s: %s' % (t.type, t.name, t.src)
        for t in Translation.search([
                ('lang', '=', 'vi'),
                ('module', '=', module),
                ['OR', ('value', '=', None), ('value', '=', ''),
                    ('fuzzy', '=', True)],
                ])]
