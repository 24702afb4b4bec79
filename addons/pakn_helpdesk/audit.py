# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The history of a case as a hash chain: any change made to it outside the
module, directly in the database, is detected.

Each event takes the next position in its case's chain and carries the
hash of the event before it (none for the first) and its own hash: SHA-256
over a canonical serialisation (JSON with sorted keys and explicit nulls,
date-times in ISO format with microseconds) of the case, position, date,
user, type, states, unit, note, content and previous hash. The case keeps
the hash of its latest event, so that removing the last events is detected
too. The chain follows the positions: the dates of two events written by
concurrent transactions may be in another order than their commits.

`TicketEvent.verify_chain` checks the chains; the command `verify_log` of
this module runs it on a database."""
import datetime as dt
import hashlib
import json
from collections import namedtuple
from itertools import groupby

from sql import Flavor, For, Literal, Null
from sql.aggregate import Max
from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

# The values of an event that its hash seals, in the columns of its table
HASHED = (
    'ticket', 'position', 'date', 'user', 'type', 'from_state', 'to_state',
    'unit', 'note', 'content', 'previous_hash')

# Why a row breaks its chain (the first failing check of the row is told)
UNSEALED = 'unsealed'  # no hash: the row was inserted outside the module
POSITION = 'position'  # not the next position: a row before it was removed
PREVIOUS = 'previous'  # another previous hash: a row before it was removed,
# inserted or rewritten with its hash
HASH = 'hash'  # the values do not give its hash: the row was altered
HEAD = 'head'  # the case's latest hash is another: the last rows were
# removed (the event named is the last one left, if any)

ChainBreak = namedtuple('ChainBreak', ['ticket', 'event', 'reason'])
ChainReport = namedtuple('ChainReport', ['events', 'cases', 'breaks'])


def _iso_datetime(value):
    "A date-time as ISO text with microseconds"
    if isinstance(value, str):
        # SQLite may give back the text of a date-time
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec='microseconds')
    return value


def event_digest(values):
    "The hash of an event from the values of HASHED"
    data = {name: values[name] for name in HASHED}
    data['date'] = _iso_datetime(data['date'])
    text = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(',', ':'),
        allow_nan=False)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _clear_cache(Model, ids):
    "Drop the cached values of the records ids, changed in SQL"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if Model.__name__ in cache:
            cache_cls = cache[Model.__name__]
            for id_ in ids:
                cache_cls.pop(id_, None)


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'
    event_head = fields.Char(
        "Latest Event Hash", readonly=True,
        help="The hash of the latest event of the case's history.")

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('event_head', None)
        return super().copy(tickets, default=default)


class TicketEvent(metaclass=PoolMeta):
    __name__ = 'pakn.ticket.event'
    position = fields.Integer(
        "Position", readonly=True,
        help="The place of the event in the history of its case.")
    previous_hash = fields.Char(
        "Previous Hash", readonly=True,
        help="The hash of the event before this one in the case.")
    hash = fields.Char(
        "Hash", readonly=True,
        help="The SHA-256 hash of the event and of the previous hash.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('ticket_position_unique', Unique(t, t.ticket, t.position),
                'pakn_helpdesk.msg_event_position_unique'),
            ]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # Chain the events written before the module had the chain
        cls._chain_unsealed()

    @classmethod
    def _chain_select(cls, table, where):
        "The query of the rows of where with the columns the chain needs"
        columns = [getattr(table, n) for n in HASHED]
        return table.select(
            table.id, table.hash, *columns, where=where,
            order_by=[
                table.ticket.asc, Coalesce(table.position, 0).asc,
                table.id.asc])

    @classmethod
    def _chain_row(cls, row):
        id_, hash_, *values = row
        values = dict(zip(HASHED, values))
        values['id'], values['hash'] = id_, hash_
        return values

    @classmethod
    def _chain_heads(cls, ticket_ids):
        """Lock the rows of the cases and return, for those with events,
        the position and hash of their latest event"""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        ticket = Ticket.__table__()
        event = cls.__table__()
        in_ = fields.SQL_OPERATORS['in']
        heads = {}
        for sub_ids in grouped_slice(
                sorted(ticket_ids), backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            # Another transaction adding events to these cases waits for
            # this one (and on PostgreSQL fails to serialise, so it is
            # retried). On SQLite the update starts the write transaction
            # before the read, which serialises the writers.
            if database.has_select_for():
                cursor.execute(*ticket.select(
                        Literal(1), where=in_(ticket.id, sub_ids),
                        order_by=[ticket.id.asc], for_=For('UPDATE')))
            else:
                cursor.execute(*ticket.update(
                        [ticket.event_head], [ticket.event_head],
                        where=in_(ticket.id, sub_ids)))
            last = event.select(
                event.ticket, Max(event.position).as_('position'),
                where=in_(event.ticket, sub_ids),
                group_by=[event.ticket])
            cursor.execute(*event.join(last, condition=(
                        (event.ticket == last.ticket)
                        & (event.position == last.position))
                    ).select(event.ticket, event.position, event.hash))
            for ticket_id, position, hash_ in cursor:
                heads[ticket_id] = (position, hash_)
        return heads

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        ticket_ids = {int(v['ticket']) for v in vlist if v.get('ticket')}
        heads = cls._chain_heads(ticket_ids)
        previous = {t: h for t, (_, h) in heads.items()}
        positions = {t: p for t, (p, _) in heads.items()}
        for values in vlist:
            # computed here whatever the caller gave
            values.pop('previous_hash', None)
            values.pop('hash', None)
            values.pop('position', None)
            if values.get('ticket'):
                ticket_id = int(values['ticket'])
                positions[ticket_id] = positions.get(ticket_id, 0) + 1
                values['position'] = positions[ticket_id]
        events = super().create(vlist)
        cls._chain_seal([e.id for e in events], previous)
        for event in events:
            event._local_cache.pop(event.id, None)
        return events

    @classmethod
    def _chain_seal(cls, ids, previous):
        """Write the previous hash and the hash of the events ids, in their
        order in each case, starting from previous (case id: hash of the
        event before them), and the latest hash of their cases"""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        in_ = fields.SQL_OPERATORS['in']
        rows = []
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*cls._chain_select(
                    table, in_(table.id, list(sub_ids))))
            rows.extend(cls._chain_row(r) for r in cursor)
        rows.sort(key=lambda r: (r['ticket'], r['position'], r['id']))
        heads = {}
        for row in rows:
            row['previous_hash'] = previous.get(row['ticket'])
            row['hash'] = previous[row['ticket']] = event_digest(row)
            heads[row['ticket']] = row['hash']
        # One statement for all the rows (a sweep seals a thousand events)
        param = Flavor.get().param
        if rows:
            cursor.executemany(
                'UPDATE "%s" SET "previous_hash" = %s, "hash" = %s '
                'WHERE "id" = %s' % (cls._table, param, param, param),
                [(r['previous_hash'], r['hash'], r['id']) for r in rows])
        if heads:
            cursor.executemany(
                'UPDATE "%s" SET "event_head" = %s WHERE "id" = %s'
                % (Ticket._table, param, param),
                [(h, t) for t, h in heads.items()])
        _clear_cache(cls, ids)
        _clear_cache(Ticket, list(heads))

    @classmethod
    def _chain_unsealed(cls):
        """Chain, in the order of their dates, the events of the cases none
        of whose events has a hash (written before the chain existed)"""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        other = cls.__table__()
        cursor.execute(*table.select(
                table.ticket, where=(table.hash == Null)
                & ~table.ticket.in_(other.select(
                        other.ticket,
                        where=other.hash != Null)),
                group_by=[table.ticket]))
        ticket_ids = [t for t, in cursor]
        for ticket_id in ticket_ids:
            cursor.execute(*table.select(
                    table.id, where=table.ticket == ticket_id,
                    order_by=[table.date.asc, table.id.asc]))
            ids = [i for i, in cursor]
            for position, id_ in enumerate(ids, 1):
                cursor.execute(*table.update(
                        [table.position], [position],
                        where=table.id == id_))
            cls._chain_seal(ids, {})

    @classmethod
    def verify_chain(cls, tickets=None):
        """Check the chains of the cases (all if tickets is None).

        Return a ChainReport: the number of events and cases checked and,
        for each broken case in the order of their ids, a ChainBreak with
        its first broken event (an id, or None for a case whose events
        were all removed) and the reason (UNSEALED, POSITION, PREVIOUS,
        HASH or HEAD)."""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        ticket = Ticket.__table__()
        in_ = fields.SQL_OPERATORS['in']
        if tickets is None:
            slices = [None]
        else:
            slices = [list(s) for s in grouped_slice(
                    sorted({int(t) for t in tickets}),
                    backend.MAX_QUERY_PARAMS)]
        events = cases = 0
        breaks = []
        for sub_ids in slices:
            where = None if sub_ids is None else in_(
                ticket.id, sub_ids)
            cursor.execute(*ticket.select(
                    ticket.id, ticket.event_head, where=where,
                    order_by=[ticket.id.asc]))
            heads = dict(cursor)
            cases += len(heads)
            where = None if sub_ids is None else in_(
                table.ticket, sub_ids)
            cursor.execute(*cls._chain_select(table, where))
            seen = set()
            for ticket_id, rows in groupby(
                    map(cls._chain_row, cursor), lambda r: r['ticket']):
                seen.add(ticket_id)
                count, error = cls._verify_case(
                    ticket_id, rows, heads.get(ticket_id))
                events += count
                if error:
                    breaks.append(error)
            for ticket_id, head in heads.items():
                if ticket_id not in seen and head:
                    breaks.append(ChainBreak(ticket_id, None, HEAD))
        breaks.sort(key=lambda b: b.ticket)
        return ChainReport(events, cases, breaks)

    @classmethod
    def _verify_case(cls, ticket_id, rows, head):
        "Return the number of rows and the first ChainBreak or None"
        count = 0
        error = None
        previous = last = None
        for count, row in enumerate(rows, 1):
            if error:
                continue
            if not row['hash']:
                reason = UNSEALED
            elif row['position'] != count:
                reason = POSITION
            elif (row['previous_hash'] or None) != previous:
                reason = PREVIOUS
            elif event_digest(row) != row['hash']:
                reason = HASH
            else:
                reason = None
            if reason:
                error = ChainBreak(ticket_id, row['id'], reason)
            previous, last = row['hash'], row['id']
        if not error and (head or None) != previous:
            error = ChainBreak(ticket_id, last, HEAD)
        return count, error
