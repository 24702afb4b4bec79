# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import doctest
import glob
import os

import trytond.modules.pakn_helpdesk.tests as helpdesk_tests
from trytond.tests.test_tryton import (
    doctest_checker,
    doctest_setup,
    doctest_teardown,
    load_doc_tests,
)

ACTIVATE = "activate_modules('pakn_helpdesk')"

# Appended to the foundation and SLA scenarios, run with SMS installed
CHECKS = '''

With SMS installed
------------------

Each step with a template queued its message: the citizen's to the case's
mobile (none to a landline or for a state-secret case), one per event and
number; staff without mobiles get none::

    >>> from trytond.modules.pakn_sms.phone import is_mobile
    >>> sms_admin, = Model.get('res.user').find([('login', '=', 'admin')])
    >>> config.user = sms_admin.id
    >>> kinds = {t.event_type: t.recipients
    ...     for t in Model.get('pakn.sms.template').find([])}
    >>> SmsMessage = Model.get('pakn.sms.message')
    >>> sms_events = Model.get('pakn.ticket.event').find(
    ...     [('type', 'in', list(kinds))])
    >>> sms_problems = []
    >>> for event in sms_events:
    ...     case = event.ticket
    ...     numbers = sorted(m.recipient
    ...         for m in SmsMessage.find([('event', '=', event.id)]))
    ...     citizen = (kinds[event.type] == 'submitter'
    ...         and is_mobile(case.submitter_phone)
    ...         and not case.state_secret)
    ...     if numbers != ([case.submitter_phone] if citizen else []):
    ...         sms_problems.append((case.code, event.type, numbers))
    >>> sms_problems
    []
    >>> any(kinds[e.type] == 'submitter' for e in sms_events)
    True
'''


def load_tests(loader, tests, pattern):
    tests = load_doc_tests(__name__, __file__, loader, tests, pattern)
    folder = os.path.dirname(helpdesk_tests.__file__)
    for path in sorted(glob.glob(os.path.join(folder, 'scenario_*.rst'))):
        with open(path, encoding='utf-8') as file:
            text = file.read()
        if ACTIVATE not in text:
            raise AssertionError("%s does not %s" % (path, ACTIVATE))
        # the database of the module's own tests: activated once
        text = text.replace(ACTIVATE, "activate_modules('pakn_sms')")
        name = 'pakn_sms+' + os.path.basename(path)
        test = doctest.DocTestParser().get_doctest(
            text + CHECKS, {}, name, path, 0)
        tests.addTest(doctest.DocFileCase(
                test, setUp=doctest_setup, tearDown=doctest_teardown,
                checker=doctest_checker,
                optionflags=doctest.REPORT_ONLY_FIRST_FAILURE
                | doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL))
    return tests
