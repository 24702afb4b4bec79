# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Vietnamese catalogue of the public portal translates every string
marked in the site, with the same placeholders (no database needed).

When this fails after a change of the site: run
    .venv/bin/python tools/portal_messages.py
and translate the new entries of
addons/pakn_portal/site/translations/vi/LC_MESSAGES/messages.po."""
import importlib.util
import io
import os
import unittest
from gettext import GNUTranslations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location(
    'portal_messages', os.path.join(ROOT, 'tools', 'portal_messages.py'))
portal_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(portal_messages)


class PortalCatalogueTestCase(unittest.TestCase):
    longMessage = False

    @classmethod
    def setUpClass(cls):
        cls.template = portal_messages.extract()
        with open(portal_messages.po_path('vi'), 'rb') as file:
            cls.vi = read_po(file, locale='vi')

    def test_extraction(self):
        "The extraction finds the strings of the templates"
        for msgid in ["Track a case", "Published %(date)s", "Very satisfied"]:
            self.assertIn(msgid, self.template)

    def test_vietnamese_complete(self):
        "Every string of the site has a Vietnamese translation"
        missing = []
        for message in self.template:
            if not message.id:
                continue
            translated = self.vi.get(message.id, message.context)
            if (translated is None or not translated.string
                    or translated.fuzzy):
                missing.append(message.id)
        self.assertFalse(missing, "Not translated in %s (run "
            "tools/portal_messages.py and translate them):\n%s" % (
                os.path.relpath(portal_messages.po_path('vi'), ROOT),
                '\n'.join(map(repr, missing))))

    def test_vietnamese_placeholders(self):
        "A translation has the placeholders of its string, and no stray %"
        wrong = [f'{msgid!r}: {problem}'
            for msgid, problem in portal_messages.problems(self.vi)
            if problem != 'untranslated']
        self.assertFalse(wrong, '\n'.join(wrong))

    def test_vietnamese_compiles(self):
        "The catalogue compiles to the .mo the site reads"
        mo = io.BytesIO()
        write_mo(mo, self.vi)
        mo.seek(0)
        translations = GNUTranslations(mo)
        self.assertEqual(
            translations.gettext("Tracking code"), "Mã tra cứu")
