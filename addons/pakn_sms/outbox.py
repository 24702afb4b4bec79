# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The SMS outbox and its sender.

Delivery guarantee: at most once, and exactly once whenever the gateway can
be asked about a message.

- A message is written in the transaction of the case's step (an event), so
  it exists if and only if the step happened. Its key (event, template,
  recipient) is unique: queueing the same event twice adds nothing.
- The sender works outside that transaction, in short transactions of its
  own: it marks a message `sending` and commits *before* calling the
  gateway, then saves the outcome in another transaction.
- Only the holder of a gateway's lease sends through it (one at a time,
  which also keeps the rate limit), and each message is claimed with a
  conditional UPDATE, so two workers never send the same message.
- A message left `sending` (the worker died, or the gateway's answer was
  lost: timeout, cut connection, unreadable body) is never sent again
  blindly. The next lease holder asks the gateway by the message's client
  reference: found, it is `sent`; not found, it goes back to the queue;
  when the gateway cannot be asked (SMPP, an HTTP API without a lookup
  URL), it is `failed` with the reason, for a person to check and resend.
"""
import datetime as dt
import logging
import secrets
import time
import uuid
from types import SimpleNamespace

from sql import Literal, Null
from sql.operators import Equal, Exists

from trytond import config
from trytond.i18n import gettext
from trytond.model import Check, Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.pakn_helpdesk.common import now, step
from trytond.modules.pakn_helpdesk.model import IntegrityMixin, ServerOnlyMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import encoding
from .exceptions import ResendError
from .gateway import SendError
from .phone import normalize_mobile

logger = logging.getLogger(__name__)

STATES = [
    ('queued', "Queued"),
    ('sending', "Sending"),
    ('sent', "Sent"),
    ('delivered', "Delivered"),
    ('failed', "Failed"),
    ('expired', "Expired"),
    ]
PENDING = ('queued', 'sending')
# Receipt states that end a message without it arriving
UNDELIVERED = {'UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED'}
# How long a worker sends before it gives the turn back (cron every minute)
BUDGET = 50
BATCH = 20
MAX_RETRY_DELAY = 3600
# The validity (hours) of a message without a template
VALIDITY = 24




class Message(ServerOnlyMixin, IntegrityMixin, ModelSQL, ModelView):
    __name__ = 'pakn.sms.message'
    __string__ = "SMS Message"
    _rec_name = 'recipient'
    # Access follows the case's, which staff may change; the outbox itself
    # is changed only by the system and its buttons
    _server_only_message = 'pakn_sms.msg_message_modify'

    recipient = fields.Char("Recipient", required=True, readonly=True)
    body = fields.Text("Text", required=True, readonly=True)
    template = fields.Many2One(
        'pakn.sms.template', "Template", readonly=True, ondelete='RESTRICT')
    ticket = fields.Many2One(
        'pakn.ticket', "Case", readonly=True, ondelete='RESTRICT',
        help="The case of the message; none for an announcement.")
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True,
        help="What an announcement (a message without a case) is about: "
        "a report sent on schedule, say.")
    event = fields.Many2One(
        'pakn.ticket.event', "Event", readonly=True, ondelete='RESTRICT')
    key = fields.Char(
        "Key", required=True, readonly=True,
        help="Event, template and recipient: one message for each.")
    reference = fields.Char(
        "Client Reference", required=True, readonly=True,
        help="Given to the gateway, to ask it later whether it has the "
        "message.")
    gateway = fields.Many2One(
        'pakn.sms.gateway', "Gateway", readonly=True, ondelete='RESTRICT')
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    urgent = fields.Boolean(
        "Urgent", readonly=True, help="Ignores quiet hours.")
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    next_attempt = fields.DateTime(
        "Next Attempt", required=True, readonly=True)
    expires_at = fields.DateTime("Expires at", required=True, readonly=True)
    sent_at = fields.DateTime("Sent at", readonly=True)
    delivered_at = fields.DateTime("Delivered at", readonly=True)
    provider_id = fields.Char(
        "Provider ID", readonly=True,
        help="The gateway's id of the message (one per segment for SMPP).")
    receipts = fields.Text("Delivery Receipts", readonly=True)
    last_error = fields.Text("Last Error", readonly=True)
    encoding = fields.Selection([
            ('gsm7', "GSM 7-bit"),
            ('ucs2', "UCS-2"),
            ], "Encoding", required=True, readonly=True)
    segments = fields.Integer("Segments", required=True, readonly=True)
    cost = fields.Function(fields.Integer("Cost (VND)"), 'get_cost')
    created_at = fields.Function(
        fields.DateTime("Created at"), 'get_created_at')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The access of a case's messages follows the case's (Rule below:
        # __access__ would need a required ticket)
        cls._sql_constraints += [
            ('key_unique', Unique(t, t.key),
                'pakn_sms.msg_message_key_unique'),
            ('reference_unique', Unique(t, t.reference),
                'pakn_sms.msg_message_key_unique'),
            # A message is about a case or, an announcement, about its
            # origin (the rule "Announcements" in outbox.xml)
            ('ticket_or_origin', Check(t,
                    (t.ticket != Null) | (t.origin != Null)),
                'pakn_sms.msg_message_ticket_or_origin'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.ticket, Index.Range())),
                Index(t, (t.recipient, Index.Equality()),
                    (t.id, Index.Range()),
                    where=t.state.in_(PENDING)),
                Index(t, (t.gateway, Index.Equality()),
                    (t.next_attempt, Index.Range()),
                    where=t.state.in_(PENDING)),
                Index(t, (t.provider_id, Index.Similarity())),
                })
        cls._order = [('id', 'DESC')]
        cls._buttons.update({
                'resend': {
                    'invisible': ~Eval('state').in_(['failed', 'expired']),
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'queued'

    @staticmethod
    def default_attempts():
        return 0

    @staticmethod
    def default_urgent():
        return False

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('recipient'):
            values['recipient'] = normalize_mobile(values['recipient'])
        if mode == 'create':
            values.setdefault('reference', uuid.uuid4().hex)
        return values

    @classmethod
    def _get_origins(cls):
        "The models an announcement may be about"
        return []

    @classmethod
    def get_origins(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origins()]

    def get_cost(self, name):
        if self.gateway:
            return self.segments * self.gateway.price

    def get_created_at(self, name):
        return self.create_date.replace(microsecond=0)

    # Queueing

    @classmethod
    def notify(cls, events):
        "Queue the messages of the templates of these case events"
        pool = Pool()
        Template = pool.get('pakn.sms.template')
        Configuration = pool.get('pakn.configuration')
        with without_check_access():
            templates = Template.search([
                    ('event_type', 'in', list({e.type for e in events})),
                    ])
            if not templates:
                return []
            gateway = Configuration(1).sms_gateway
            instant = now()
            vlist, keys = [], set()
            for event in events:
                ticket = event.ticket
                if ticket.state_secret:
                    continue
                for template in templates:
                    if template.event_type != event.type:
                        continue
                    recipients = template.get_recipients(ticket, event)
                    if not recipients:
                        continue
                    text = template.render(ticket, event)
                    for recipient in recipients:
                        key = '%s:%s:%s' % (event.id, template.id, recipient)
                        keys.add(key)
                        vlist.append(cls._message_values(
                                text, gateway, instant, template=template,
                                ticket=ticket, event=event, key=key,
                                recipient=recipient))
            existing = {m.key for m in cls.search([('key', 'in', list(keys))])}
            messages = cls.create(
                [v for v in vlist if v['key'] not in existing])
        if messages and config.getboolean('queue', 'worker', default=False):
            cls.__queue__.send(messages)
        return messages

    @classmethod
    def announce(cls, origin, text, recipients):
        """Queue text to recipients (mobile numbers) about origin, a record
        of one of _get_origins that is not a case: an announcement, read
        by the office and the administrators only, once for each origin
        and recipient, sent as soon as the sender runs"""
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        with without_check_access():
            gateway = Configuration(1).sms_gateway
            instant = now()
            body, encoding_, segments = cls._prepare(gateway, text)
            vlist = {}
            for recipient in recipients:
                recipient = normalize_mobile(recipient)
                key = '%s:%s' % (origin, recipient)
                vlist[key] = {
                    'recipient': recipient,
                    'body': body,
                    'encoding': encoding_,
                    'segments': segments,
                    'gateway': gateway.id if gateway else None,
                    'origin': str(origin),
                    'key': key,
                    'urgent': False,
                    'next_attempt': instant,
                    'expires_at': instant + dt.timedelta(hours=VALIDITY),
                    }
            existing = {m.key for m in cls.search([
                        ('key', 'in', list(vlist)),
                        ])}
            messages = cls.create(
                [v for k, v in vlist.items() if k not in existing])
        if messages and config.getboolean('queue', 'worker', default=False):
            cls.__queue__.send(messages)
        return messages

    @classmethod
    def _prepare(cls, gateway, text):
        "The text as sent, its encoding and segments"
        if gateway:
            return gateway.prepare(text)
        return encoding.prepare(text)

    @classmethod
    def _message_values(cls, text, gateway, instant, template, **values):
        text, encoding_, segments = cls._prepare(gateway, text)
        urgent = bool(values['ticket'].urgent)
        values.update({
                'body': text,
                'encoding': encoding_,
                'segments': segments,
                'gateway': gateway.id if gateway else None,
                'template': template.id,
                'urgent': urgent,
                'ticket': values['ticket'].id,
                'event': values['event'].id,
                'next_attempt': template.first_instant(instant, urgent),
                'expires_at': instant + dt.timedelta(hours=template.validity),
                })
        return values

    # Sending

    @classmethod
    def send(cls, messages):
        "Send what is due through the gateways of messages (ir.queue)"
        cls.send_due(gateway_ids={
                m.gateway.id for m in messages if m.gateway})

    @classmethod
    def _working_language(cls):
        """The language of what the sender writes (errors of the outbox):
        the caller's, else Vietnamese once its translations are loaded"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        context = Transaction().context
        if context.get('language'):
            return context['language']
        if Lang.search([('code', '=', 'vi'), ('translatable', '=', True)]):
            return 'vi'
        return Transaction().language

    @classmethod
    def send_due(cls, gateway_ids=None, budget=BUDGET):
        """Send what is due (cron): expire the stale, settle what was cut
        off, then send each gateway's due messages in order"""
        with Transaction().set_context(language=cls._working_language()):
            cls._send_due(gateway_ids, budget)

    @classmethod
    def _send_due(cls, gateway_ids, budget):
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        Configuration = pool.get('pakn.configuration')
        with step():
            cls._expire()
            gateway = Configuration(1).sms_gateway
            if gateway:
                # Messages queued before the province had a gateway
                cls._adopt(gateway)
            domain = [('active', '=', True)]
            if gateway_ids is not None:
                domain.append(('id', 'in', list(gateway_ids)))
            gateway_ids = [g.id for g in Gateway.search(domain)]
        started = time.monotonic()
        for gateway_id in gateway_ids:
            left = budget - (time.monotonic() - started)
            if left <= 0:
                break
            cls._send_through(gateway_id, left)

    @classmethod
    def _forget(cls):
        "Drop what the transaction cached of messages, after a raw UPDATE"
        transaction = Transaction()
        transaction.counter += 1
        for cache in transaction.cache.values():
            cache.pop(cls.__name__, None)

    @classmethod
    def _expire(cls):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.state, table.last_error],
                ['expired', gettext('pakn_sms.msg_message_expired')],
                where=(table.state == 'queued')
                & (table.expires_at < now())))
        cls._forget()

    @classmethod
    def _adopt(cls, gateway):
        for message in cls.search([
                    ('gateway', '=', None),
                    ('state', '=', 'queued'),
                    ]):
            text, encoding_, segments = gateway.prepare(message.body)
            cls.write([message], {
                    'gateway': gateway.id,
                    'body': text,
                    'encoding': encoding_,
                    'segments': segments,
                    })

    @classmethod
    def _lease_seconds(cls, gateway):
        # Longer than any single submission, so the lease of a live worker
        # never lapses while it waits for the gateway
        return 5 + 5 * gateway.timeout

    @classmethod
    def _send_through(cls, gateway_id, budget):
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        token = secrets.token_hex(8)
        # Read in the caller's transaction, which stays open while the
        # steps come and go
        gateway = Gateway(gateway_id)
        lease = cls._lease_seconds(gateway)
        with step():
            if not Gateway.acquire(gateway_id, token, lease):
                return
        started = time.monotonic()
        last = 0.0
        try:
            cls._reconcile(gateway, token, lease)
            while time.monotonic() - started < budget:
                with step():
                    ids = cls._due_ids(gateway_id)
                if not ids:
                    break
                for message_id in ids:
                    if time.monotonic() - started >= budget:
                        break
                    wait = gateway.interval - (time.monotonic() - last)
                    if wait > 0:
                        time.sleep(wait)
                    with step():
                        if not Gateway.acquire(gateway_id, token, lease):
                            return
                        claimed = cls._claim(message_id)
                    if claimed is None:
                        continue
                    last = time.monotonic()
                    try:
                        provider_id = gateway.send(claimed)
                    except SendError as e:
                        logger.info(
                            "message %s not sent (%s): %s",
                            message_id, e.outcome, e)
                        with step():
                            cls._failed(message_id, e)
                    else:
                        with step():
                            cls._sent(message_id, provider_id)
        finally:
            with step():
                Gateway.release(gateway_id, token)

    @classmethod
    def _due_ids(cls, gateway_id):
        """The next messages to send through the gateway: due, and not
        behind an earlier message to the same recipient still pending (so
        each person receives them in the order they were created)"""
        table = cls.__table__()
        earlier = cls.__table__()
        cursor = Transaction().connection.cursor()
        instant = now()
        cursor.execute(*table.select(
                table.id,
                where=(table.gateway == gateway_id)
                & (table.state == 'queued')
                & (table.next_attempt <= instant)
                & (table.expires_at >= instant)
                & (Equal(table.urgent, Literal(True))
                    | ~Exists(earlier.select(
                            Literal(1),
                            where=(earlier.recipient == table.recipient)
                            & (earlier.id < table.id)
                            & earlier.state.in_(PENDING)))),
                order_by=[table.id.asc],
                limit=BATCH))
        return [i for i, in cursor]

    @classmethod
    def _claim(cls, message_id):
        """Mark the message sending, if it is still queued and due; return
        it or None"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        instant = now()
        cursor.execute(*table.update(
                [table.state, table.attempts, table.write_date],
                ['sending', table.attempts + 1, instant],
                where=(table.id == message_id)
                & (table.state == 'queued')
                & (table.next_attempt <= instant)
                & (table.expires_at >= instant)))
        if cursor.rowcount != 1:
            return None
        cls._forget()
        message = cls(message_id)
        return message.claimed()

    def claimed(self):
        """What the gateway needs of the message, read now: the gateway is
        called outside this transaction"""
        return SimpleNamespace(
            id=self.id, recipient=self.recipient, body=self.body,
            reference=self.reference, encoding=self.encoding,
            segments=self.segments)

    @classmethod
    def _sent(cls, message_id, provider_id):
        cls.write([cls(message_id)], {
                'state': 'sent',
                'sent_at': now(),
                'provider_id': provider_id,
                'last_error': None,
                })

    @classmethod
    def _failed(cls, message_id, error):
        message = cls(message_id)
        values = {'last_error': str(error)}
        if error.outcome == 'unknown':
            # Settled by _reconcile: sending again could send it twice
            pass
        elif (error.outcome == 'permanent'
                or message.attempts >= message.gateway.max_attempts):
            values['state'] = 'failed'
        else:
            delay = min(
                message.gateway.retry_delay * 2 ** (message.attempts - 1),
                MAX_RETRY_DELAY)
            values['state'] = 'queued'
            values['next_attempt'] = message.schedule(
                now() + dt.timedelta(seconds=delay))
        cls.write([message], values)

    def schedule(self, instant):
        "The instant to send at: instant, or after the quiet hours"
        if self.template:
            return self.template.first_instant(instant, self.urgent)
        return instant

    @classmethod
    def _reconcile(cls, gateway, token, lease):
        """Settle the messages of the gateway left sending. Called by the
        holder of the gateway's lease: no one else is sending them."""
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        gateway_id = gateway.id
        with step():
            messages = cls.search([
                    ('gateway', '=', gateway_id),
                    ('state', '=', 'sending'),
                    ], order=[('id', 'ASC')])
            claimed = [m.claimed() for m in messages]
        for message in claimed:
            try:
                provider_id = gateway.lookup(message)
            except SendError as e:
                with step():
                    Gateway.acquire(gateway_id, token, lease)
                    record = cls(message.id)
                    if (gateway.can_lookup
                            and record.expires_at >= now()):
                        # Ask again at the next round
                        cls.write([record], {'last_error': str(e)})
                    else:
                        cls.write([record], {
                                'state': 'failed',
                                'last_error': gettext(
                                    'pakn_sms.msg_message_unknown',
                                    error=str(e)),
                                })
                continue
            with step():
                Gateway.acquire(gateway_id, token, lease)
                if provider_id:
                    cls._sent(message.id, provider_id)
                else:
                    record = cls(message.id)
                    cls.write([record], {
                            'state': 'queued',
                            'next_attempt': now(),
                            })

    # Delivery receipts

    @classmethod
    def fetch_receipts(cls):
        "Collect the delivery receipts of the gateways that have any (cron)"
        with Transaction().set_context(language=cls._working_language()):
            cls._fetch_receipts()

    @classmethod
    def _fetch_receipts(cls):
        pool = Pool()
        Gateway = pool.get('pakn.sms.gateway')
        gateways = [g for g in Gateway.search([]) if g.supports_receipts]
        for gateway in gateways:
            try:
                receipts = gateway.fetch_receipts()
            except SendError as e:
                logger.warning("receipts of %s: %s", gateway.rec_name, e)
                continue
            with step():
                cls.apply_receipts(gateway, receipts)

    @classmethod
    def apply_receipts(cls, gateway, receipts):
        """Record receipts ({'id', 'stat', 'err'}) on their messages: a
        message is delivered once every segment is"""
        by_message = {}
        for receipt in receipts:
            for message in cls.search([
                        ('gateway', '=', gateway.id),
                        ('provider_id', 'like', '%%%s%%' % receipt['id']),
                        ]):
                if receipt['id'] in message.provider_id.split():
                    by_message.setdefault(message, []).append(receipt)
        instant = now()
        for message, items in by_message.items():
            states = dict(
                line.split(':', 1)
                for line in (message.receipts or '').splitlines()
                if ':' in line)
            for receipt in items:
                states[receipt['id']] = '%s %s' % (
                    receipt['stat'], receipt.get('err') or '')
            values = {'receipts': '\n'.join(
                    '%s:%s' % (k, v.strip()) for k, v in states.items())}
            stats = {v.split()[0] for v in states.values()}
            ids = message.provider_id.split()
            if stats & UNDELIVERED:
                values['state'] = 'failed'
                values['last_error'] = gettext(
                    'pakn_sms.msg_message_undelivered',
                    status=', '.join(sorted(stats & UNDELIVERED)))
            elif stats == {'DELIVRD'} and set(states) >= set(ids):
                values['state'] = 'delivered'
                values['delivered_at'] = instant
            cls.write([message], values)

    # Back office

    @classmethod
    @ModelView.button
    def resend(cls, messages):
        "Queue failed or expired messages again, as new"
        instant = now()
        for message in messages:
            if message.state not in {'failed', 'expired'}:
                raise ResendError(gettext(
                        'pakn_sms.msg_message_resend_state',
                        message=message.rec_name))
            validity = (message.template.validity if message.template
                else VALIDITY)
            cls.write([message], {
                    'state': 'queued',
                    'attempts': 0,
                    'next_attempt': instant,
                    'expires_at': instant + dt.timedelta(hours=validity),
                    'last_error': None,
                    })


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def get(cls, model_name, mode='read'):
        """The rules of a message: its own and those of its case, as
        __access__ = {'ticket'} gives them, but on an optional ticket: a
        message without a case passes no rule of the cases (only a group
        that sees every case sees it, then the rule "Announcements")"""
        clause, clause_global = super().get(model_name, mode=mode)
        if model_name == 'pakn.sms.message':
            ticket_clause, ticket_global = super().get(
                'pakn.ticket', mode=mode)
            for own, case in [
                    (clause, ticket_clause),
                    (clause_global, ticket_global),
                    ]:
                for group, domain in case.items():
                    own[group] = (
                        [('ticket', 'where', domain)] if domain else [])
        return clause, clause_global


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('pakn.sms.message|send_due', "Send SMS"),
                ('pakn.sms.message|fetch_receipts',
                    "Collect SMS Delivery Receipts"),
                ])
