# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.tests.test_tryton import ModuleTestCase


class PaknHelpdeskTestCase(ModuleTestCase):
    "Test PAKN Helpdesk module"
    module = 'pakn_helpdesk'


del ModuleTestCase
