# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Suggestions: published answers like the text being typed (the
suggestions blueprint)"""
from . import portal_case


class PortalSuggestionsTestCase(portal_case.PortalTestCase):
    "The suggestions"
    area = 'suggestions'

    def test_suggest(self):
        "Published answers similar to the text typed are offered"
        response = self.client.get(
            '/goi-y?q=Đường+Lê+Lợi+ngập+nước+khi+mưa')
        self.assertEqual(response.status_code, 200)
        self.assertIn("Đường Lê Lợi bị ngập sâu", response.text)
        self.assertIn('/cau-tra-loi/%s-' % self.cases['published'][
                'publication'], response.text)
        response = self.client.get('/goi-y?q=abc')
        self.assertNotIn('<li>', response.text)
