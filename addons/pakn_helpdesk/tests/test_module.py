# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re
from contextlib import contextmanager

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.pakn_helpdesk.exceptions import (
    EventModificationError,
    PhoneNumberError,
    TicketRoleError,
    TicketValidationError,
    TicketWorkflowError,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, check_access

from .vietnamese import load_vietnamese, missing_translations

VIETNAMESE = (
    r'[ạảãáàâấầẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữựíìỉĩịúùủũụýỳỷỹỵ]')


def create_world():
    """Two departments A and B, a commune under A's district, one user per
    role and a case led by each unit"""
    pool = Pool()
    Unit = pool.get('pakn.unit')
    User = pool.get('res.user')
    Ticket = pool.get('pakn.ticket')
    ModelData = pool.get('ir.model.data')

    def group(role):
        return ModelData.get_id('pakn_helpdesk', 'group_%s' % role)

    def user(login, *roles):
        user, = User.create([{
                    'login': login,
                    'name': login,
                    'groups': [('add', [group(r) for r in roles])],
                    }])
        return user

    w = {}
    w['office_unit'], w['a'], w['b'], w['district'] = Unit.create([{
                'name': "Văn phòng UBND tỉnh", 'code': 'VP',
                'kind': 'province_office', 'supervising_office': True,
                }, {
                'name': "Sở Xây dựng", 'code': 'SXD', 'kind': 'department',
                }, {
                'name': "Sở Y tế", 'code': 'SYT', 'kind': 'department',
                }, {
                'name': "UBND huyện A", 'code': 'HA', 'kind': 'district',
                }])
    w['commune'], = Unit.create([{
                'name': "UBND xã A1", 'code': 'HA-1', 'kind': 'commune',
                'parent': w['district'].id,
                }])
    for login, roles in [
            ('operator', ['operator']),
            ('spec_a', ['specialist']),
            ('spec_b', ['specialist']),
            ('leader_a', ['leader']),
            ('leader_b', ['leader']),
            ('leader_district', ['leader']),
            ('spec_commune', ['specialist']),
            ('office', ['office']),
            ]:
        w[login] = user(login, *roles)
    Unit.write([w['a']], {
            'focal_points': [('add', [w['spec_a'].id])],
            'leaders': [('add', [w['leader_a'].id])],
            }, [w['b']], {
            'focal_points': [('add', [w['spec_b'].id])],
            'leaders': [('add', [w['leader_b'].id])],
            }, [w['district']], {
            'leaders': [('add', [w['leader_district'].id])],
            }, [w['commune']], {
            'focal_points': [('add', [w['spec_commune'].id])],
            })
    values = {
        'channel': ModelData.get_id('pakn_helpdesk', 'channel_web'),
        'submitter_name': "Nguyễn Văn An",
        'submitter_phone': '0912345678',
        'submitter_address': "1 Lê Lợi",
        'content': "Nội dung phản ánh",
        }
    w['t_a'], w['t_b'], w['t_commune'], w['t_new'] = Ticket.create([
            {**values, 'lead_unit': w['a'].id},
            {**values, 'lead_unit': w['b'].id},
            {**values, 'lead_unit': w['commune'].id},
            {**values},
            ])
    return w


@contextmanager
def as_user(user):
    "Act as the user with its access rights, as over RPC"
    with Transaction().set_user(user.id), check_access():
        yield


class PaknHelpdeskTestCase(ModuleTestCase):
    "Test PAKN Helpdesk module"
    module = 'pakn_helpdesk'

    @with_transaction()
    def test_list_views_render_in_sao(self):
        "List views show date-times with the widgets the web client knows"
        pool = Pool()
        View = pool.get('ir.ui.view')
        for view in View.search([
                    ('module', '=', 'pakn_helpdesk'),
                    ('type', '=', 'tree'),
                    ]):
            Model = pool.get(view.model)
            arch = Model.fields_view_get(view_id=view.id)['arch']
            for name, widget in re.findall(
                    r'<field name="([^"]+)"(?: [^>]*?widget="([^"]*)")?',
                    arch):
                field = Model._fields.get(name)
                if field is not None and field._type in {
                        'datetime', 'timestamp'}:
                    with self.subTest(view=view.name, field=name):
                        self.assertIn(widget, {'date', 'time'})

    @with_transaction()
    def test_tracking_code(self):
        "The tracking code has year, sequence and random part"
        w = create_world()
        codes = [w[k].code for k in ['t_a', 't_b', 't_commune', 't_new']]
        for code in codes:
            self.assertRegex(code, r'^PAKN-\d{4}-\d{6}-[A-HJ-NP-Z2-9]{3}$')
        numbers = [int(c.split('-')[2]) for c in codes]
        self.assertEqual(numbers, sorted(numbers))
        self.assertEqual(len(set(numbers)), len(numbers))

    @with_transaction()
    def test_specialist_sees_only_own_unit(self):
        "A specialist of unit A neither reads nor changes a case of unit B"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        with as_user(w['spec_a']):
            self.assertEqual(Ticket.search([]), [w['t_a']])
            with self.assertRaises(AccessError):
                Ticket.read([w['t_b'].id], ['content'])
            with self.assertRaises(AccessError):
                Ticket.write([Ticket(w['t_b'].id)], {'result': "x"})
            Ticket.write([Ticket(w['t_a'].id)], {'result': "ok"})
        self.assertEqual(Ticket(w['t_b'].id).result, None)

    @with_transaction()
    def test_coordinating_unit_reads_but_does_not_change(self):
        "A coordinating unit reads the case but only the lead unit changes it"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        Ticket.write([w['t_a']], {
                'coordinating_units': [('add', [w['b'].id])]})
        with as_user(w['spec_b']):
            self.assertEqual(
                set(Ticket.search([])), {w['t_a'], w['t_b']})
            with self.assertRaises(AccessError):
                Ticket.write([Ticket(w['t_a'].id)], {'result': "x"})

    @with_transaction()
    def test_leader_sees_sub_units(self):
        "A leader sees the cases of the unit's sub-units, a specialist not"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        with as_user(w['leader_district']):
            self.assertEqual(Ticket.search([]), [w['t_commune']])
        with as_user(w['spec_commune']):
            self.assertEqual(Ticket.search([]), [w['t_commune']])
        with as_user(w['leader_a']):
            self.assertEqual(Ticket.search([]), [w['t_a']])
        # but only the commune's own leaders approve its answers
        Ticket.write([w['t_commune']], {
                'state': 'waiting_approval', 'result': "KQ"})
        with as_user(w['leader_district']):
            with self.assertRaises(TicketRoleError):
                Ticket.approve([Ticket(w['t_commune'].id)])

    @with_transaction()
    def test_membership_change_applies_at_once(self):
        "Adding a user to a unit gives access to its cases at once"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Unit = pool.get('pakn.unit')
        w = create_world()
        with as_user(w['spec_a']):
            self.assertEqual(Ticket.search([]), [w['t_a']])
        Unit.write([w['b']], {'focal_points': [('add', [w['spec_a'].id])]})
        with as_user(w['spec_a']):
            self.assertEqual(set(Ticket.search([])), {w['t_a'], w['t_b']})

    @with_transaction()
    def test_office_and_operator_see_all(self):
        "The office and the operators see every case"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        every = {w[k] for k in ['t_a', 't_b', 't_commune', 't_new']}
        for login in ['office', 'operator']:
            with as_user(w[login]):
                self.assertEqual(set(Ticket.search([])), every)
                Ticket.read([t.id for t in every], ['content'])

    @with_transaction()
    def test_events_follow_case_access(self):
        "The history of a case is read only by who reads the case"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        w = create_world()
        with as_user(w['spec_a']):
            events = Event.search([])
            self.assertEqual({e.ticket for e in events}, {w['t_a']})

    @with_transaction()
    def test_specialist_cannot_approve(self):
        "A specialist cannot approve; a leader of another unit neither"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        ticket = w['t_a']
        Ticket.write([ticket], {'state': 'waiting_approval', 'result': "KQ"})
        with as_user(w['spec_a']):
            with self.assertRaises(AccessButtonError):
                Ticket.approve([Ticket(ticket.id)])
        with as_user(w['leader_b']):
            # leader_b cannot even read the case of unit A
            with self.assertRaises(AccessError):
                Ticket.approve([Ticket(ticket.id)])
        with Transaction().set_user(w['leader_b'].id):
            # nor approve it when the record rules are bypassed
            with self.assertRaises(TicketRoleError):
                Ticket.approve([Ticket(ticket.id)])
        self.assertEqual(Ticket(ticket.id).state, 'waiting_approval')
        with as_user(w['leader_a']):
            Ticket.approve([Ticket(ticket.id)])
        ticket = Ticket(ticket.id)
        self.assertEqual(ticket.state, 'approved')
        self.assertEqual(ticket.approved_by, w['leader_a'])
        self.assertIn("Sở Xây dựng trả lời như sau:\nKQ\n", ticket.answer_text)

    def assertRefused(self, exception, func, ticket, state):
        "The call raises, the state is unchanged and no event is written"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Event = pool.get('pakn.ticket.event')
        events = Event.search([], count=True)
        with self.assertRaises(exception) as cm:
            func()
        self.assertEqual(Ticket(ticket.id).state, state)
        self.assertEqual(Event.search([], count=True), events)
        return cm.exception

    @with_transaction()
    def test_bad_input_refused(self):
        "Bad input is refused with a message and nothing is saved"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        ticket = w['t_new']
        with as_user(w['operator']):
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.reject([ticket]),
                ticket, 'received')
            Ticket.write([ticket], {'reject_reason': "Thiếu thông tin"})
            # the guidance is required too
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.reject([ticket]),
                ticket, 'received')
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.forward([ticket]),
                ticket, 'received')
            self.assertRefused(
                TicketWorkflowError,
                lambda: Ticket.request_clarification([ticket]),
                ticket, 'received')
            self.assertRefused(
                TicketWorkflowError,
                lambda: Ticket.answer_directly([ticket]),
                ticket, 'received')
            self.assertRefused(
                TicketWorkflowError,
                lambda: Ticket.mark_duplicate([ticket]),
                ticket, 'received')

        ticket = w['t_a']
        Ticket.write([ticket], {'state': 'forwarded'})
        with as_user(w['spec_a']):
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.return_case([ticket]),
                ticket, 'forwarded')
            Ticket.accept([ticket])
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.submit([ticket]),
                ticket, 'processing')
        Ticket.write([ticket], {'state': 'waiting_approval', 'result': "KQ"})
        with as_user(w['leader_a']):
            self.assertRefused(
                TicketWorkflowError, lambda: Ticket.send_back([ticket]),
                ticket, 'waiting_approval')

    @with_transaction()
    def test_invalid_case_not_saved(self):
        "Invalid phone, email or empty content: the case is not created"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        transaction = Transaction()
        values = {
            'channel': ModelData.get_id('pakn_helpdesk', 'channel_web'),
            'submitter_name': "Lê Thị Hoa",
            'submitter_phone': '0912345678',
            'content': "Nội dung",
            }
        for bad, exception in [
                ({'submitter_phone': '12345'}, PhoneNumberError),
                ({'submitter_phone': '0912 34'}, PhoneNumberError),
                ({'submitter_phone': 'không có'}, PhoneNumberError),
                ({'submitter_email': 'hoa@'}, UserError),
                ({'content': '   '}, TicketValidationError),
                ({'content': None}, TicketValidationError),
                ({'submitter_name': ''}, TicketValidationError),
                ({'channel': ModelData.get_id(
                                'pakn_helpdesk', 'channel_phone')},
                    TicketValidationError),
                ]:
            with self.subTest(bad=bad):
                with self.assertRaises(exception):
                    Ticket.create([{**values, **bad}])
                # as the RPC dispatcher does after an error
                transaction.rollback()
                self.assertEqual(Ticket.search([], count=True), 0)
        Ticket.create([values])
        self.assertEqual(Ticket.search([], count=True), 1)

    @with_transaction()
    def test_phone_normalised(self):
        "Vietnamese numbers in any usual writing are stored in E.164"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        for raw in ['0912345678', '0912 345 678', '+84 912 345 678',
                '84912345678', '(091) 234-5678']:
            with self.subTest(raw=raw):
                Ticket.write([w['t_new']], {'submitter_phone': raw})
                self.assertEqual(w['t_new'].submitter_phone, '+84912345678')
        Ticket.write([w['t_new']], {'submitter_phone': '024 3825 3536'})
        self.assertEqual(w['t_new'].submitter_phone, '+842438253536')

    @with_transaction()
    def test_event_immutable(self):
        "Events are never changed nor deleted, and cases never deleted"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Event = pool.get('pakn.ticket.event')
        w = create_world()
        event, = w['t_a'].events
        with self.assertRaises(EventModificationError):
            Event.write([event], {'note': "sửa"})
        with self.assertRaises(EventModificationError):
            Event.delete([event])
        with self.assertRaises(AccessError):
            Ticket.delete([w['t_a']])

    @with_transaction()
    def test_copy(self):
        "A copy is a new case: new code, received, with its own history"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        Ticket.write([w['t_a']], {'state': 'processing', 'result': "KQ"})
        copy, = Ticket.copy([w['t_a']])
        self.assertNotEqual(copy.code, w['t_a'].code)
        self.assertEqual(copy.state, 'received')
        self.assertEqual(copy.result, None)
        self.assertEqual(copy.content, w['t_a'].content)
        self.assertEqual([e.type for e in copy.events], ['received'])

    @with_transaction()
    def test_single_supervising_office(self):
        "Only one unit is the supervising office"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        w = create_world()
        with self.assertRaises(UserError):
            Unit.write([w['b']], {'supervising_office': True})

    @with_transaction()
    def test_my_queue(self):
        "Each role finds in its queue the cases waiting for it"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        w = create_world()
        Ticket.write([w['t_a']], {'state': 'forwarded'})
        Ticket.write([w['t_b']], {
                'state': 'waiting_approval', 'result': "KQ"})
        Ticket.write([w['t_new']], {'operator': w['operator'].id})
        # as submitted on the portal: no operator yet
        Ticket.write([w['t_commune']], {'operator': None})
        for login, expected in [
                ('spec_a', {'t_a'}),
                ('leader_b', {'t_b'}),
                ('operator', {'t_new', 't_commune'}),
                ]:
            with self.subTest(login=login), as_user(w[login]):
                mine = Ticket.search([('is_mine', '=', True)])
                self.assertEqual(
                    {t.code for t in mine}, {w[k].code for k in expected})

    @with_transaction()
    def test_annex_i_answer(self):
        "The answer follows Annex I, names the unit and lists evidence"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Attachment = pool.get('ir.attachment')
        w = create_world()
        ticket = w['t_a']
        Ticket.write([ticket], {'result': "Đã sửa xong đèn đường."})
        Attachment.create([{
                    'resource': str(ticket), 'name': 'anh-sau-sua.jpg',
                    'data': b'x', 'pakn_kind': 'evidence',
                    }, {
                    'resource': str(ticket), 'name': 'don.pdf',
                    'data': b'x', 'pakn_kind': 'submission',
                    }])
        text = Ticket(ticket.id).render_answer(ticket.lead_unit.name)
        self.assertEqual(text.splitlines(), [
                "Kính chào Ông/Bà!",
                "Phản ánh, kiến nghị của Ông/Bà được Sở Xây dựng trả lời "
                "như sau:",
                "Đã sửa xong đèn đường.",
                "Chân thành cảm ơn phản ánh, kiến nghị của Ông/Bà và mong "
                "tiếp tục nhận được phản ánh, kiến nghị trong thời gian "
                "tới.",
                "Trân trọng./.",
                "Đính kèm: anh-sau-sua.jpg",
                ])


class PaknHelpdeskVietnameseTestCase(ModuleTestCase):
    "Test the Vietnamese user interface of PAKN Helpdesk"
    module = 'pakn_helpdesk'

    @with_transaction()
    def test_messages_in_vietnamese(self):
        "Refusals speak Vietnamese with the values filled in"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        load_vietnamese()
        with Transaction().set_context(language='vi'):
            with self.assertRaises(PhoneNumberError) as cm:
                Ticket.create([{
                            'channel': ModelData.get_id(
                                'pakn_helpdesk', 'channel_web'),
                            'submitter_name': "Lê Thị Hoa",
                            'submitter_phone': '12345',
                            'content': "Nội dung",
                            }])
        message = cm.exception.message
        self.assertIn('12345', message)
        self.assertNotIn('is not a valid', message)
        self.assertRegex(message, VIETNAMESE)

    @with_transaction()
    def test_core_messages_in_vietnamese(self):
        "Tryton's own refusals speak Vietnamese too"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        load_vietnamese()
        user, = User.create([{'login': 'op', 'name': 'op'}])
        with Transaction().set_context(language='vi'):
            with self.assertRaises(UserError) as cm:
                Unit.create([{'name': 'X', 'code': 'X', 'kind': 'bogus'}])
            self.assertRegex(cm.exception.message, VIETNAMESE)
            with as_user(user), self.assertRaises(AccessError) as cm:
                Unit.search([])
            self.assertRegex(cm.exception.message, VIETNAMESE)

    @with_transaction()
    def test_views_in_vietnamese(self):
        "The case form, its buttons and the states read in Vietnamese"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        load_vietnamese()
        with Transaction().set_context(language='vi'):
            view = Ticket.fields_view_get(view_type='form')
            state = dict(view['fields']['state']['selection'])
            buttons = re.findall(
                r'<button [^>]*string="([^"]*)"', view['arch'])
        self.assertEqual(state['published'], "Đã công khai kết quả")
        self.assertIn("Chuyển xử lý", buttons)
        self.assertEqual(view['fields']['lead_unit']['string'],
            "Cơ quan chủ trì xử lý")
        # and the attachments of the case, a list of Tryton's own
        Attachment = pool.get('ir.attachment')
        with Transaction().set_context(language='vi'):
            self.assertEqual(
                Attachment.fields_get(['name'])['name']['string'], "Tên tệp")

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module has a Vietnamese translation"
        self.assertEqual(missing_translations('pakn_helpdesk'), [])


del ModuleTestCase
