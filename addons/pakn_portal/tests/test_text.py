# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The portal's handling of texts typed in NFC or NFD (no database)."""
import unicodedata
import unittest

from trytond.modules.pakn_portal.publication import (
    fold,
    mask_name,
    query_words,
)
from trytond.modules.pakn_portal.upload import safe_name


def nfd(text):
    return unicodedata.normalize('NFD', text)


class PortalTextTestCase(unittest.TestCase):
    "Texts in NFD on the portal"

    def test_mask_name(self):
        "The mask keeps the diacritics of the initials, in NFC and NFD"
        for name in ["Nguyễn Thị Ánh", nfd("Nguyễn Thị Ánh"),
                "\u202eNguyễn\u200b Thị Ánh"]:
            with self.subTest(name=ascii(name)):
                self.assertEqual(mask_name(name), "Nguyễn T. Á.")
        self.assertEqual(mask_name(nfd("Ánh")), "Á.")
        # A letter without a precomposed form keeps its marks
        self.assertEqual(mask_name("Lê Q\u0323\u0301"), "Lê Q\u0323\u0301.")

    def test_fold(self):
        "NFC and NFD fold the same; invisible characters do not count"
        text = "Đường Lê Lợi bị NGẬP"
        for variant in [text, nfd(text), nfd(text).replace(' ', '\u200b ')]:
            self.assertEqual(fold(variant), "duong le loi bi ngap")

    def test_query_words(self):
        "The words of a query typed in NFD are whole words"
        self.assertEqual(query_words(nfd("Đường ngập")), ["đường", "ngập"])

    def test_safe_name(self):
        "File names in NFC, without a right-to-left override"
        self.assertEqual(safe_name(nfd("ảnh cây") + '\u202egpj.exe', 'png'),
            "ảnh câygpj.png")
