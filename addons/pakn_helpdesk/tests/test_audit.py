# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The history of each case is a hash chain: rows changed, removed or
added directly in the database are named by the verifier."""
from trytond import backend
from trytond.modules.pakn_helpdesk.audit import (
    HASH,
    HEAD,
    POSITION,
    PREVIOUS,
    UNSEALED,
    ChainBreak,
    event_digest,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class AuditTestCase(ModuleTestCase):
    "Tamper-evident history of the cases"
    module = 'pakn_helpdesk'

    def setup_cases(self):
        """Two cases led by a department, each received, forwarded,
        accepted and submitted: four events each"""
        pool = Pool()
        Unit = pool.get('pakn.unit')
        Ticket = pool.get('pakn.ticket')
        ModelData = pool.get('ir.model.data')
        unit, = Unit.create([{
                    'name': "Sở Xây dựng", 'code': 'SXD',
                    'kind': 'department',
                    }])
        values = {
            'channel': ModelData.get_id('pakn_helpdesk', 'channel_web'),
            'submitter_name': "Nguyễn Văn An",
            'submitter_phone': '0912345678',
            'submitter_address': "1 Lê Lợi",
            'content': "Nội dung phản ánh",
            'lead_unit': unit.id,
            }
        tickets = Ticket.create([
                {**values, 'content': "Cống thoát nước bị tắc"},
                {**values, 'content': "Đèn đường hỏng"},
                ])
        with Transaction().set_user(0):
            Ticket.forward(tickets)
            Ticket.accept(tickets)
            Ticket.write(tickets, {'result': "Đã khắc phục"})
            Ticket.submit(tickets)
        return Ticket.browse(tickets)

    def events(self, ticket):
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        return Event.search(
            [('ticket', '=', ticket.id)], order=[('position', 'ASC')])

    def sql(self, query):
        Transaction().connection.cursor().execute(*query)

    @with_transaction()
    def test_chain_written(self):
        "Each event is chained to the one before it in its case"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        Ticket = pool.get('pakn.ticket')
        tickets = self.setup_cases()
        for ticket in tickets:
            events = self.events(ticket)
            self.assertEqual(
                [e.type for e in events],
                ['received', 'forwarded', 'accepted', 'submitted'])
            self.assertEqual([e.position for e in events], [1, 2, 3, 4])
            previous = None
            for event in events:
                self.assertEqual(event.previous_hash, previous)
                self.assertRegex(event.hash, r'^[0-9a-f]{64}$')
                self.assertEqual(event.hash, event_digest({
                            'ticket': ticket.id,
                            'position': event.position,
                            'date': event.date,
                            'user': event.user.id if event.user else None,
                            'type': event.type,
                            'from_state': event.from_state,
                            'to_state': event.to_state,
                            'unit': event.unit.id if event.unit else None,
                            'note': event.note,
                            'content': event.content,
                            'previous_hash': previous,
                            }))
                previous = event.hash
            self.assertEqual(Ticket(ticket.id).event_head, previous)
        # Every hash differs: the content of the cases differs
        hashes = {e.hash for e in Event.search([])}
        self.assertEqual(len(hashes), 8)
        report = Event.verify_chain()
        self.assertEqual(report.breaks, [])
        self.assertEqual((report.events, report.cases), (8, 2))

    @with_transaction()
    def test_values_given_ignored(self):
        "The chain fields are computed whatever the creator gives"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        tickets = self.setup_cases()
        last = self.events(tickets[0])[-1]
        event, = Event.create([{
                    'ticket': tickets[0].id,
                    'date': last.date,
                    'type': 'submitted',
                    'to_state': 'waiting_approval',
                    'position': 1,
                    'previous_hash': 'f' * 64,
                    'hash': '0' * 64,
                    }])
        self.assertEqual(event.position, 5)
        self.assertEqual(event.previous_hash, last.hash)
        self.assertNotEqual(event.hash, '0' * 64)
        self.assertEqual(Event.verify_chain().breaks, [])

    @with_transaction()
    def test_sql_update_detected(self):
        "An event altered in SQL is named, with the hash as reason"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        t1, t2 = self.setup_cases()
        altered = self.events(t1)[1]
        table = Event.__table__()
        self.sql(table.update(
                [table.note], ["Không chuyển"], where=table.id == altered.id))
        report = Event.verify_chain()
        self.assertEqual(report.breaks, [ChainBreak(t1.id, altered.id, HASH)])
        self.assertEqual((report.events, report.cases), (8, 2))
        self.assertEqual(Event.verify_chain([t2]).breaks, [])

        # Rewriting its hash too breaks the link of the next event
        row = {**dict(zip(
                    ['ticket', 'position', 'date', 'type', 'from_state',
                        'to_state', 'note', 'content', 'previous_hash'],
                    [t1.id, altered.position, altered.date, altered.type,
                        altered.from_state, altered.to_state, "Không chuyển",
                        altered.content, altered.previous_hash])),
            'user': altered.user.id if altered.user else None,
            'unit': altered.unit.id if altered.unit else None,
            }
        self.sql(table.update(
                [table.hash], [event_digest(row)],
                where=table.id == altered.id))
        following = self.events(t1)[2]
        self.assertEqual(
            Event.verify_chain().breaks,
            [ChainBreak(t1.id, following.id, PREVIOUS)])

    @with_transaction()
    def test_sql_delete_detected(self):
        "A middle event removed in SQL: the event after it is named"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        t1, t2 = self.setup_cases()
        events = self.events(t2)
        table = Event.__table__()
        self.sql(table.delete(where=table.id == events[1].id))
        self.assertEqual(
            Event.verify_chain().breaks,
            [ChainBreak(t2.id, events[2].id, POSITION)])

    @with_transaction()
    def test_sql_delete_last_detected(self):
        "The last events removed in SQL: the case's head tells it"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        t1, t2 = self.setup_cases()
        events = self.events(t1)
        table = Event.__table__()
        self.sql(table.delete(where=table.id == events[-1].id))
        self.assertEqual(
            Event.verify_chain().breaks,
            [ChainBreak(t1.id, events[-2].id, HEAD)])
        self.sql(table.delete(where=table.ticket == t1.id))
        self.assertEqual(
            Event.verify_chain().breaks, [ChainBreak(t1.id, None, HEAD)])

    @with_transaction()
    def test_sql_insert_detected(self):
        "An event added in SQL, without a hash, is named"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        t1, t2 = self.setup_cases()
        last = self.events(t2)[-1]
        table = Event.__table__()
        self.sql(table.insert(
                [table.ticket, table.date, table.type, table.to_state,
                    table.position],
                [[t2.id, last.date, 'approved', 'approved', 5]]))
        breaks = Event.verify_chain().breaks
        self.assertEqual(len(breaks), 1)
        self.assertEqual(breaks[0].ticket, t2.id)
        self.assertEqual(breaks[0].reason, UNSEALED)
        self.assertNotIn(breaks[0].event, {e.id for e in self.events(t1)})

    @with_transaction()
    def test_position_unique(self):
        "The database refuses two events at the same place of a case"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        t1, t2 = self.setup_cases()
        last = self.events(t1)[-1]
        table = Event.__table__()
        with self.assertRaises(backend.DatabaseIntegrityError):
            self.sql(table.insert(
                    [table.ticket, table.date, table.type, table.to_state,
                        table.position],
                    [[t1.id, last.date, 'approved', 'approved',
                            last.position]]))

    @with_transaction()
    def test_unsealed_history_chained(self):
        "The histories written before the chain existed are chained"
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        Ticket = pool.get('pakn.ticket')
        t1, t2 = self.setup_cases()
        before = [e.hash for e in self.events(t1)]
        table = Event.__table__()
        ticket = Ticket.__table__()
        self.sql(table.update(
                [table.position, table.previous_hash, table.hash],
                [None, None, None], where=table.ticket == t1.id))
        self.sql(ticket.update(
                [ticket.event_head], [None], where=ticket.id == t1.id))
        self.assertEqual(
            [b.reason for b in Event.verify_chain().breaks], [UNSEALED])
        Event._chain_unsealed()
        self.assertEqual(Event.verify_chain().breaks, [])
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.hash, where=table.ticket == t1.id,
                order_by=[table.position.asc]))
        self.assertEqual([h for h, in cursor], before)


del ModuleTestCase
