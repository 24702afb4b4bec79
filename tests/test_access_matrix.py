# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The access matrix: who may write and create what, over JSON-RPC against
a real trytond server on loopback.

For every stored model of the PAKN modules and every one of its fields (both
enumerated from the server, so that a model or a field added later is
covered), for a user of each relation to the cases (RELATIONS), `write` and
`create` are refused exactly where the rules say and allowed where they must
be. The rules are:

- the access to the models and the record rules declared in the modules'
  XML, restated below in WRITE and CREATE;
- the fields a client may not set (pakn_helpdesk/model.py IntegrityMixin):
  those the model declares read-only for the record, statically or through
  `states['readonly']`, derived here from `fields_get` and evaluated on the
  record's values (on `create`, on the defaults and the value sent, where a
  read-only field is accepted only with its default or empty).

The probes change no data: a write sends the current values back (the guard
refuses a field by its presence, whatever its value); a create that must be
accepted sends a required field empty, so that it fails with a validation
error after the access checks and leaves nothing behind.

The database is created with trytond-admin on the backend of
TRYTOND_DATABASE_URI (SQLite in a temporary folder, or PostgreSQL)."""
import datetime as dt
import http.client
import json
import os
import re
import unittest
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from urllib.parse import urlsplit

import trytond
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.pyson import PYSONDecoder

from .trytond_server import ROOT, TrytonServer, run_database

DATABASE = run_database('test_pakn_matrix')
MODULES = ['pakn_helpdesk', 'pakn_sms', 'pakn_portal']

# The users of the fixture, by their relation to the cases: every case is
# led by a commune (of a district) and coordinated by a department
RELATIONS = [
    'own',           # specialist (focal point) of the case's lead unit
    'coordinating',  # specialist of a coordinating unit of the case
    'other',         # specialist of an unrelated unit
    'parent',        # leader of the parent unit of the lead unit
    'leader',        # leader of the lead unit
    'office',        # the supervising office
    'operator',      # the hotline's operator
    'admin',         # PAKN administration
    ]
UNIT_STAFF = {'own', 'parent', 'leader'}  # the lead unit's, by ir.rule

# The rules: the relations that may write, and create, records of each
# model, as the ir.model.access and ir.rule records of the modules' XML
# declare them (a relation without the model's access, or whom a record
# rule excludes, is refused the whole record). Each field is then refused
# to everyone where the model declares it read-only (fields_get).
REFERENCE = [
    # reference data and settings, kept by the administration
    'pakn.field', 'pakn.category', 'pakn.channel',
    'pakn.sla.profile', 'pakn.sla.stage',
    'pakn.unit',
    'pakn.calendar', 'pakn.calendar.hours', 'pakn.calendar.exception',
    'pakn.sms.gateway', 'pakn.sms.template',
    ]
NOT_SERVED = [
    # ModelSQL without ModelView: trytond serves none of their methods
    # over JSON-RPC (HTTP 403); clients reach them only through the
    # One2Many/Many2Many fields of the case or the unit, which the rules of
    # those models and their read-only fields govern
    'pakn.ticket-pakn.unit', 'pakn.unit-res.user.focal_point',
    'pakn.unit-res.user.leader',
    ]
RECORDS = [
    # what the steps, the portal and the crons write: nobody edits it
    'pakn.ticket.event', 'pakn.ticket.contribution',
    'pakn.ticket.deadline', 'pakn.ticket.deadline.pause',
    'pakn.ticket.extension', 'pakn.portal.rating', 'pakn.portal.publication',
    'pakn.portal.redaction',
    ]
WRITE = {
    # all cases for the office, the operator and the administration; the
    # cases their units lead (or those of their sub-units) for unit staff
    'pakn.ticket': UNIT_STAFF | {'office', 'operator', 'admin'},
    # the answer to a follow-up question, through the rules of the case
    'pakn.portal.followup': UNIT_STAFF | {'office', 'admin'},
    'pakn.sms.message': {'office', 'admin'},
    'pakn.configuration': {'admin'},
    **{m: {'admin'} for m in REFERENCE},
    **{m: set() for m in NOT_SERVED + RECORDS},
    }
CREATE = {
    'pakn.ticket': {'office', 'operator'},
    'pakn.portal.followup': set(),
    'pakn.sms.message': set(),
    # a singleton: its create writes the one record
    'pakn.configuration': {'admin'},
    **{m: {'admin'} for m in REFERENCE},
    **{m: set() for m in NOT_SERVED + RECORDS},
    }
# The records probed by write of each model but the case (all cases are):
# the first and the last
PROBED_RECORDS = 2


def _message_pattern(text):
    "A regular expression matching the message text, any value in it"
    parts = re.split(r'%\((\w+)\)[sdir]', text)
    pattern = ''
    for i, part in enumerate(parts):
        pattern += re.escape(part) if not i % 2 else '(?P<%s>.*)' % part
    return re.compile(pattern + '$', re.DOTALL)


def _messages(path, ids):
    root = ET.parse(path).getroot()
    return {
        r.get('id'): _message_pattern(r.find("field[@name='text']").text)
        for r in root.iter('record') if r.get('id') in ids}


FIELD_GUARD = _messages(
    os.path.join(ROOT, 'addons', 'pakn_helpdesk', 'message.xml'),
    {'msg_field_readonly'})['msg_field_readonly']
ACCESS_ERRORS = list(_messages(
        os.path.join(os.path.dirname(trytond.__file__), 'ir', 'message.xml'),
        {'msg_access_rule_error', 'msg_access_rule_field_error',
            'msg_create_rule_error', 'msg_read_rule_error',
            'msg_write_rule_error', 'msg_access_button_error'}).values())


class RpcError(Exception):
    pass


class Client:
    "A JSON-RPC client of trytond on one kept-alive connection"

    def __init__(self, url, database, login, password):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=60)
        self.path = '/%s/rpc/' % database
        self.session = None
        self.id = 0
        self.login = login
        user_id, session = self.call(
            'common.db.login', login, {'password': password}, 'en')[:2]
        self.session = 'Session ' + __import__('base64').b64encode(
            ('%s:%s:%s' % (login, user_id, session)).encode()).decode()
        self.user_id = user_id

    def call(self, method, *params):
        self.id += 1
        body = json.dumps({
                'id': self.id, 'method': method, 'params': list(params)},
            cls=JSONEncoder).encode('utf-8')
        headers = {'Content-Type': 'application/json'}
        if self.session:
            headers['Authorization'] = self.session
        self.connection.request('POST', self.path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RpcError('HTTP %s' % response.status, data[:300])
        result = json.loads(data, object_hook=JSONDecoder())
        if result.get('error'):
            raise RpcError(result['error'])
        return result['result']

    def close(self):
        self.connection.close()


def outcome(call):
    """Run call; return ('ok', None), ('guard', [field strings]),
    ('access', message) or ('error', message): the kind of what the server
    answered"""
    try:
        call()
    except RpcError as error:
        payload = error.args[0]
        if payload == 'HTTP 403':
            return 'access', "HTTP 403: not served over JSON-RPC"
        if not (isinstance(payload, list) and payload[0] == 'UserError'):
            return 'error', str(payload)[:300]
        message = payload[1][0]
        match = FIELD_GUARD.match(message)
        if match:
            return 'guard', match.group('fields')
        if any(p.match(message) for p in ACCESS_ERRORS):
            return 'access', message
        return 'error', message
    return 'ok', None


class ReadonlyEvaluator:
    "Which fields of a model fields_get declares read-only for a record"

    def __init__(self, definitions):
        self.definitions = definitions

    def readonly(self, name, values, context):
        definition = self.definitions[name]
        if definition.get('readonly'):
            return True
        states = definition.get('states') or '{}'
        env = {**values, 'context': context}
        env['id'] = env['active_id'] = values.get('id') or -1
        readonly = PYSONDecoder(env).decode(states).get('readonly', False)
        return bool(readonly)

    def refused(self, values, context):
        return {n for n in self.definitions
            if self.readonly(n, values, context)}


class AccessMatrixTestCase(unittest.TestCase):
    "Every field of every model, for every role: write and create"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = TrytonServer(
            DATABASE, os.path.join(ROOT, 'tests', 'matrix_fixture.py')
            ).start()
        cls.data = data = cls.server.data
        cls.clients = {}
        try:
            for relation in RELATIONS:
                cls.clients[relation] = Client(
                    cls.server.url, DATABASE, data['logins'][relation],
                    data['password'])
            cls.admin = cls.clients['admin']
            cls.models = cls._stored_models()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for client in cls.clients.values():
            client.close()
        cls.server.stop()
        super().tearDownClass()

    @classmethod
    def _stored_models(cls):
        "The names of the stored models of MODULES, from the server"
        models = cls.admin.call(
            'model.ir.model.search_read',
            [('module', 'in', MODULES)], 0, None, [('name', 'ASC')],
            ['name'], {})
        stored = []
        for model in models:
            name = model['name']
            definitions = cls.admin.call(
                'model.%s.fields_get' % name, None, {})
            # ModelStorage has the fields of its log; views and the forms
            # of wizards do not
            if 'create_uid' in definitions:
                stored.append(name)
        return stored

    def client(self, relation):
        return self.clients[relation]

    # Helpers

    _definitions = {}

    def definitions(self, relation, model):
        "fields_get of model for the user (cached)"
        key = (relation, model)
        if key not in self._definitions:
            self._definitions[key] = self.client(relation).call(
                'model.%s.fields_get' % model, None, {})
        return self._definitions[key]

    def probe_ids(self, model):
        "The ids of the records of model to probe"
        if model == 'pakn.ticket':
            return sorted(self.data['cases'].values())
        ids = self.admin.call(
            'model.%s.search' % model, [], 0, None, [('id', 'ASC')], {})
        return sorted({ids[0], ids[-1]}) if ids else []

    @staticmethod
    def write_back(definition, value):
        "The value that writes value again in a field of definition"
        if definition['type'] in {'one2many', 'many2many'}:
            return []
        return value

    # The matrix

    def test_models_are_in_the_rules(self):
        "Every stored model of the modules has its rules in the table"
        self.assertTrue(self.models)
        self.assertEqual(
            sorted(set(self.models) - set(WRITE)), [],
            "models without rules in WRITE/CREATE of the test")
        self.assertEqual(sorted(set(WRITE) - set(self.models)), [],
            "models of the test that the server does not have")

    def test_write_matrix(self):
        "write: refused exactly where the rules say, for every field"
        mismatches = []
        context = {}
        count = 0
        for model in self.models:
            if model in NOT_SERVED:
                for relation in RELATIONS:
                    names = self.definitions(relation, model)
                    kind, detail = outcome(lambda: self.client(relation).call(
                            'model.%s.write' % model, [1],
                            dict.fromkeys(names), context))
                    if kind not in {'guard', 'access'}:
                        mismatches.append((model, 1, '*', relation,
                                'write', 'refused', '%s: %s' % (
                                    kind, detail)))
                continue
            ids = self.probe_ids(model)
            self.assertTrue(ids, "no record of %s to probe" % model)
            names = list(self.admin.call(
                    'model.%s.fields_get' % model, None, {}))
            records = self.admin.call(
                'model.%s.read' % model, ids, names, {})
            # the data a module keeps as it wrote it (the regulation
            # presets): nobody changes the fields it sets, not even the
            # administration
            fixed = {int(k): set(v)
                for k, v in self.data['fixed'].get(model, {}).items()}
            for relation in RELATIONS:
                client = self.client(relation)
                definitions = self.definitions(relation, model)
                evaluator = ReadonlyEvaluator(definitions)
                allowed = relation in WRITE.get(model, set())
                for record in records:
                    refused = (evaluator.refused(record, context)
                        | fixed.get(record['id'], set()))
                    values = {n: self.write_back(definitions[n], record[n])
                        for n in definitions if n in record}
                    editable = {n: v for n, v in values.items()
                        if n not in refused}
                    readonly = {n: v for n, v in values.items()
                        if n in refused}

                    def write(values):
                        return outcome(lambda: client.call(
                                'model.%s.write' % model, [record['id']],
                                values, context))

                    def report(names, expected, got):
                        for name in names:
                            mismatches.append((
                                    model, record['id'], name, relation,
                                    'write', expected, got))

                    def probe_each(names, expected):
                        for name in names:
                            kind, detail = write({name: values[name]})
                            # the current value written again: any error
                            # is a refusal (the guard's, the access', or
                            # the model's own, e.g. of an append-only log)
                            ok = (kind == 'ok') == (expected == 'allowed')
                            if not ok:
                                report([name], expected,
                                    '%s: %s' % (kind, detail))

                    count += 2
                    if not allowed:
                        # the whole record is refused, by access or rule
                        if editable:
                            kind, detail = write(editable)
                            if kind != 'access':
                                probe_each(editable, 'refused')
                        if readonly:
                            kind, detail = write(readonly)
                            if kind not in {'guard', 'access'}:
                                probe_each(readonly, 'refused')
                        continue
                    if editable:
                        kind, detail = write(editable)
                        if kind != 'ok':
                            probe_each(editable, 'allowed')
                    if readonly:
                        kind, detail = write(readonly)
                        if kind != 'guard' or not self.names_all(
                                detail, [definitions[n] for n in readonly]):
                            probe_each(readonly, 'refused')
        self.assertGreater(count, 100)
        self.assertFalse(mismatches, self.format(mismatches))

    def test_create_matrix(self):
        "create: refused exactly where the rules say, for every field"
        mismatches = []
        context = {}
        for model in self.models:
            for relation in RELATIONS:
                client = self.client(relation)
                definitions = self.definitions(relation, model)
                evaluator = ReadonlyEvaluator(definitions)
                allowed = relation in CREATE.get(model, set())
                defaults = client.call(
                    'model.%s.default_get' % model, list(definitions),
                    False, context)
                blockers = self.blockers(definitions)

                def create(values):
                    return outcome(lambda: client.call(
                            'model.%s.create' % model, [values], context))

                if not allowed:
                    # refused by the access to the model, whatever is sent;
                    # a read-only field may be refused first by the guard
                    values = {n: self.probe_value(d, None)
                        for n, d in definitions.items()}
                    readonly = evaluator.refused(values, context)
                    editable = {n: v for n, v in values.items()
                        if n not in readonly}
                    if blockers:
                        editable[blockers[0]] = None
                    for probe, kinds in [
                            (editable, {'access'}),
                            ({n: values[n] for n in readonly},
                                {'guard', 'access'})]:
                        kind, detail = create(probe)
                        if kind == 'error' and self.uncreatable(
                                evaluator, defaults, context):
                            # past the access to the model (that of the
                            # case, for a model of the case), but a client
                            # cannot give a required field
                            continue
                        if kind not in kinds:
                            mismatches.append((model, None, ', '.join(
                                        sorted(probe)), relation, 'create',
                                    'refused', '%s: %s' % (kind, detail)))
                    continue
                for name, definition in definitions.items():
                    value = self.probe_value(definition, defaults.get(name))
                    readonly = evaluator.readonly(
                        name, {**defaults, name: value, 'id': None},
                        context)
                    probe = {name: value}
                    blocker = next((b for b in blockers if b != name), None)
                    if blocker:
                        probe[blocker] = None
                    elif not readonly:
                        mismatches.append((model, None, name, relation,
                                'create', 'allowed', 'untested: no other '
                                'required field to leave empty'))
                        continue
                    kind, detail = create(probe)
                    if readonly:
                        ok = kind == 'guard'
                        expected = 'refused'
                    else:
                        # refused by the validation, after the access
                        ok = kind == 'error'
                        expected = 'allowed'
                    if not ok:
                        mismatches.append((model, None, name, relation,
                                'create', expected, '%s: %s' % (
                                    kind, detail)))
        self.assertFalse(mismatches, self.format(mismatches))

    @staticmethod
    def names_all(detail, definitions):
        """Whether the fields the guard's message names are those of
        definitions: by their labels (a label that comes from a message of
        Tryton may show as its id, ir.msg_…)"""
        named = Counter(detail.split(', '))
        expected = Counter(d['string'] for d in definitions)
        missing, extra = expected - named, named - expected
        return (missing.total() == extra.total()
            and all(e.startswith('ir.msg_') for e in extra))

    @staticmethod
    def uncreatable(evaluator, defaults, context):
        """Whether a required field of the model is read-only on create
        and empty by default: a client cannot create its records"""
        values = {**defaults, 'id': None}
        return any(d.get('required') and defaults.get(n) in (None, '', [])
            and evaluator.readonly(n, values, context)
            for n, d in evaluator.definitions.items())

    @staticmethod
    def blockers(definitions):
        """Two required fields: one sent empty makes an accepted create
        fail in its validation, after the access checks, so that the probe
        leaves nothing behind (the guard accepts any field empty)"""
        candidates = [n for n, d in definitions.items()
            if d.get('required')
            and d['type'] not in {'one2many', 'many2many'}]
        candidates.sort(key=lambda n: (bool(definitions[n]['readonly']), n))
        return candidates[:2]

    def probe_value(self, definition, default):
        "A value of the field that is not its default nor empty"
        type_ = definition['type']
        if type_ == 'boolean':
            return not default
        if type_ in {'char', 'text'}:
            return 'matrix probe'
        if type_ in {'integer', 'biginteger'}:
            return (default or 0) + 7
        if type_ == 'float':
            return (default or 0) + 1.5
        if type_ == 'numeric':
            return (default or Decimal(0)) + Decimal('1.5')
        if type_ == 'date':
            return dt.date(2001, 2, 3)
        if type_ in {'datetime', 'timestamp'}:
            return dt.datetime(2001, 2, 3, 4, 5, 6)
        if type_ == 'time':
            return dt.time(4, 5, 6)
        if type_ == 'timedelta':
            return dt.timedelta(hours=3)
        if type_ in {'selection', 'multiselection'}:
            selection = definition.get('selection')
            keys = [k for k, _ in selection if k not in {None, '', default}
                ] if isinstance(selection, list) else []
            key = keys[0] if keys else 'matrix'
            return [key] if type_ == 'multiselection' else key
        if type_ in {'many2one', 'one2one', 'reference'}:
            target = self.target_id(definition.get('relation'), default)
            if type_ == 'reference':
                return 'pakn.ticket,%s' % self.data['cases']['received']
            return target
        if type_ in {'one2many', 'many2many'}:
            return [['add', [self.target_id(definition['relation'], None)]]]
        if type_ == 'binary':
            return b'matrix probe'
        if type_ == 'dict':
            return {'matrix': 1}
        return 'matrix probe'

    _targets = {}

    def target_id(self, model, default):
        "The id of a record of model other than default"
        if model not in self._targets:
            try:
                self._targets[model] = self.admin.call(
                    'model.%s.search' % model, [], 0, 2, [('id', 'ASC')],
                    {})
            except RpcError:
                self._targets[model] = []
        ids = [i for i in self._targets[model] + [1, 2] if i != default]
        return ids[0]

    @staticmethod
    def format(mismatches):
        lines = ['%d mismatches (model, record, field, relation, operation, '
            'expected, got):' % len(mismatches)]
        for mismatch in mismatches[:200]:
            lines.append('  ' + ' | '.join(map(str, mismatch)))
        if len(mismatches) > 200:
            lines.append('  …')
        return '\n'.join(lines)

    # The refusals named in issue 10

    def case(self, key, names):
        record, = self.admin.call(
            'model.pakn.ticket.read', [self.data['cases'][key]], names, {})
        return record

    def events(self, key):
        return self.admin.call(
            'model.pakn.ticket.event.search',
            [('ticket', '=', self.data['cases'][key])], 0, None, None, {})

    def assertRefused(self, relation, key, values):
        "Assert the guard refuses values on the case, which stays as it was"
        names = list(values)
        before = self.case(key, names)
        events = self.events(key)
        kind, detail = outcome(lambda: self.client(relation).call(
                'model.pakn.ticket.write', [self.data['cases'][key]], values,
                {}))
        definitions = self.definitions(relation, 'pakn.ticket')
        self.assertEqual((kind, detail), (
                'guard', ', '.join(definitions[n]['string'] for n in names)),
            "%s writing %s on the %s case" % (relation, values, key))
        self.assertEqual(self.case(key, names), before)
        self.assertEqual(self.events(key), events)

    def test_specialist_cannot_approve_by_writing_state(self):
        "A specialist writing the state approved on a waiting case: refused"
        self.assertEqual(
            self.case('waiting_approval', ['state'])['state'],
            'waiting_approval')
        self.assertRefused('own', 'waiting_approval', {'state': 'approved'})
        self.assertRefused('own', 'waiting_approval', {
                'state': 'approved',
                'approved_by': self.data['users']['own'],
                })

    def test_operator_cannot_write_state(self):
        "The operator writing the state of any case: refused"
        for key in self.data['cases']:
            for state in ['closed', 'published']:
                with self.subTest(case=key, state=state):
                    self.assertRefused('operator', key, {'state': state})

    def test_answer_frozen_after_approval(self):
        "After approval, the answer, approver, result, confidentiality stay"
        names = ['answer_text', 'approved_by', 'result', 'confidential']
        for key in ['approved', 'approved_confidential', 'published']:
            record = self.case(key, names)
            events = self.events(key)
            self.assertTrue(record['approved_by'])
            for relation in ['own', 'leader', 'office']:
                definitions = self.definitions(relation, 'pakn.ticket')
                for values in [
                        {'answer_text': "Câu trả lời đã bị sửa."},
                        {'approved_by': self.data['users'][relation]},
                        {'result': "Kết quả đã bị sửa."},
                        {'confidential': not record['confidential']},
                        ]:
                    with self.subTest(case=key, relation=relation,
                            values=values):
                        kind, detail = outcome(
                            lambda: self.client(relation).call(
                                'model.pakn.ticket.write',
                                [self.data['cases'][key]], values, {}))
                        self.assertEqual((kind, detail), ('guard', ', '.join(
                                    definitions[n]['string']
                                    for n in values)))
            # the case as it was, with no new event
            self.assertEqual(self.case(key, names), record)
            self.assertEqual(self.events(key), events)

    def test_deadline_steps_by_their_roles(self):
        "The hotline's steps of urgent cases are the hotline's and office's"
        for relation, method, key in [
                ('own', 'check_intake', 'received'),
                ('leader', 'check_intake', 'received'),
                ('own', 'report_office', 'processing'),
                ('other', 'report_office', 'processing'),
                ]:
            events = self.events(key)
            with self.subTest(relation=relation, method=method):
                kind, _ = outcome(lambda: self.client(relation).call(
                        'model.pakn.ticket.%s' % method,
                        [self.data['cases'][key]], {}))
                self.assertEqual(kind, 'access')
                self.assertEqual(self.events(key), events)
        # the ledger's flags and the reason for a delay are nobody's to set
        for relation in ['own', 'leader', 'office', 'admin']:
            for values in [
                    {'complex': True},
                    {'delay_reason': "Lý do tự ghi."},
                    ]:
                with self.subTest(relation=relation, values=values):
                    self.assertRefused(relation, 'processing', values)

    def test_intake_frozen_in_processing(self):
        "The specialist changes no intake data of a case in processing"
        for values in [
                {'content': "Nội dung đã bị sửa."},
                {'submitter_phone': '0987000111'},
                ]:
            with self.subTest(values=values):
                self.assertRefused('own', 'processing', values)
