#!/usr/bin/env python3
# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Extract the strings of the public portal and update its catalogues.

Usage: python tools/portal_messages.py [--check]

The strings marked in addons/pakn_portal/site (mapping: i18n/babel.cfg) go
to its translations/messages.pot, then translations/<lang>/LC_MESSAGES/
messages.po of vi and en are updated from it like `pybabel update
--no-fuzzy-matching`: translations are kept, new strings come untranslated,
strings no longer used are dropped. The catalogues are package data; the
site compiles the .mo files into its instance folder when it starts.

With --check nothing is written: the strings that have no Vietnamese
translation (or a translation whose placeholders differ) are listed, and the
exit status is 1 if there are any."""
import os
import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SITE = 'addons/pakn_portal/site'
MAPPING = os.path.join(ROOT, 'i18n', 'babel.cfg')
PORTAL = os.path.join(ROOT, SITE, 'translations')
POT = os.path.join(PORTAL, 'messages.pot')
LANGUAGES = ['vi', 'en']
PLACEHOLDER = re.compile(r'%\((\w+)\)')
HEADER = {'project': 'PAKN 1022', 'charset': 'utf-8', 'fuzzy': False,
    'header_comment': '# The public portal of PAKN 1022: '
    'see tools/portal_messages.py\n#'}


def po_path(language):
    return os.path.join(PORTAL, language, 'LC_MESSAGES', 'messages.po')


def extract():
    "The template catalogue of the strings marked in the site"
    with open(MAPPING) as file:
        method_map, options_map = parse_mapping_cfg(file, MAPPING)

    def towards_site(path):
        relative = os.path.relpath(path, ROOT).replace(os.sep, '/') + '/'
        return (SITE + '/').startswith(relative) or relative.startswith(
            SITE + '/')
    template = Catalog(**HEADER)
    for filename, lineno, message, comments, context in extract_from_dir(
            ROOT, method_map, options_map, directory_filter=towards_site):
        template.add(message, None, [(filename, lineno)],
            auto_comments=comments, context=context)
    return template


def updated(language, template):
    "The catalogue of language, updated from template (in memory)"
    path = po_path(language)
    if os.path.exists(path):
        with open(path, 'rb') as file:
            catalog = read_po(file, locale=language)
    else:
        catalog = Catalog(locale=language, **HEADER)
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def problems(catalog):
    "(msgid, problem) of the messages not properly translated"
    for message in catalog:
        if not message.id:
            continue
        if not message.string or message.fuzzy:
            yield message.id, 'untranslated'
        elif (set(PLACEHOLDER.findall(message.id))
                != set(PLACEHOLDER.findall(message.string))):
            yield message.id, 'placeholders differ: ' + message.string
        else:
            try:
                # Jinja's newstyle gettext always %-formats
                message.string % {
                    n: '' for n in PLACEHOLDER.findall(message.string)}
            except (ValueError, TypeError, KeyError):
                yield message.id, 'bad % in: ' + message.string


def write(path, catalog):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as file:
        write_po(file, catalog, ignore_obsolete=True)


def main(check=False):
    template = extract()
    if check:
        found = list(problems(updated('vi', template)))
        for msgid, problem in found:
            print(f'{msgid!r}: {problem}')
        return 1 if found else 0
    write(POT, template)
    for language in LANGUAGES:
        write(po_path(language), updated(language, template))
    return 0


if __name__ == '__main__':
    arguments = sys.argv[1:]
    if arguments not in ([], ['--check']):
        sys.exit(__doc__)
    sys.exit(main(check=bool(arguments)))
