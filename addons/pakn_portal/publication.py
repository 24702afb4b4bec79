# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public projection of a case: whether it is public, the submitter's
name as the public may see it, and the public read model, one row per
published case, written when the case is published and removed when it is
made confidential, holding only what the public may read (the question
with personal data hidden, the Annex I answer, the unit, the dates, the
submitter masked).

The portal's pages of published answers search and show these rows; of
the case itself they read only the follow-up questions answered and the
evidence attachments published with the answer (`evidence`). The other
pages read cases through the models: tracking reads the submitter's own
case (tracking.py), the statistics count cases (statistics.py).

Search: on PostgreSQL a stored column search_vector, generated as
to_tsvector('simple', unaccent(…)) of the text, with a GIN index, so
"duong ngap" finds "đường ngập"; on SQLite a lower-cased, unaccented copy
of the text searched with LIKE."""
import logging
import re
import unicodedata

from sql import Cast, Column, Literal
from sql.functions import Function
from sql.operators import BinaryOperator, Like

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.pakn_helpdesk.common import fold, normalize_text
from trytond.modules.pakn_helpdesk.lifecycle import PUBLIC_STATES
from trytond.modules.pakn_helpdesk.model import IntegrityMixin, ServerOnlyMixin
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .model import CaseRecordMixin
from .redaction import MASK_TOKEN, public_text

logger = logging.getLogger(__name__)

# Words of a query that are searched; the others are ignored
MAX_QUERY_WORDS = 8
# The text searched, as PostgreSQL stores it in the generated column
# search_vector: stored, so that checking a row does not unaccent its text
# again (a page in date order may check thousands)
# (without the positions of the words, which no query uses)
FTS_DOCUMENT = (
    "strip(to_tsvector('simple'::regconfig, pakn_unaccent("
    "coalesce(title, '') || ' ' || coalesce(question, '') || ' ' "
    "|| coalesce(answer, ''))))")
FTS_COLUMN = 'search_vector'
FTS_INDEX = 'pakn_portal_publication_search'
TITLE_LENGTH = 110
# Frequent Vietnamese words (folded) that say nothing of a question
STOP_WORDS = set('''
    va cua o bi co khong da duoc la cho cac nhung nay tren tai khi sau
    trong voi den tu de nhu thi ma nen rat cung con nhieu mot hai da
    toi chung em anh chi ong ba xin de nghi kinh gui vao ra len xuong
    '''.split())


def query_words(text, limit=MAX_QUERY_WORDS):
    """The distinct words of a query, lower-cased, diacritics kept (in
    NFC: the combining marks of NFD are no word characters)"""
    words = []
    for word in re.findall(r'\w+', normalize_text(text or '').lower()):
        if word not in words:
            words.append(word)
    return words[:limit]


def slugify(text, length=60):
    """The words of text, folded, joined by hyphens: letters only, so
    that no number of the content (a phone, an ID, a house number) is ever
    in a URL; the hidden spans' token is left out"""
    words = re.findall(r'[a-z]+', fold((text or '').replace(MASK_TOKEN, ' ')))
    slug = ''
    for word in words:
        if len(slug) + len(word) + 1 > length:
            break
        slug = f'{slug}-{word}' if slug else word
    return slug or 'phan-anh'


def make_title(content):
    "The first sentence of the content, cut at a word"
    text = ' '.join((content or '').split())
    first = re.split(r'(?<=[.!?])\s', text, maxsplit=1)[0]
    if len(first) <= TITLE_LENGTH:
        return first
    cut = first[:TITLE_LENGTH].rsplit(' ', 1)[0]
    return cut.rstrip(',;:') + '…'


def mask_name(name):
    """The name of a person as the public may see it: the family name and
    the initials of the others ("Nguyễn Văn An" gives "Nguyễn V. A."),
    with their diacritics ("Ánh" gives "Á.", whether typed in NFC or NFD)"""
    words = normalize_text(name or '').split()
    if not words:
        return ''
    if len(words) == 1:
        return initial(words[0]) + '.'
    return ' '.join([words[0]] + [initial(w) + '.' for w in words[1:]])


def initial(word):
    "The first letter of word with the marks that combine with it"
    end = 1
    while end < len(word) and unicodedata.combining(word[end]):
        end += 1
    return word[:end]


class TsMatch(BinaryOperator):
    __slots__ = ()
    _operator = '@@'


class ToTsQuery(Function):
    __slots__ = ()
    _function = 'TO_TSQUERY'


class Unaccent(Function):
    "The IMMUTABLE wrapper of unaccent the module creates"
    __slots__ = ()
    _function = 'PAKN_UNACCENT'


def is_postgresql():
    return backend.name == 'postgresql'


class Publication(
        CaseRecordMixin, ServerOnlyMixin, IntegrityMixin, ModelSQL,
        ModelView):
    __name__ = 'pakn.portal.publication'
    __string__ = "PAKN Published Answer"
    _case_unique_message = 'pakn_portal.msg_publication_unique'
    _server_only_message = 'pakn_portal.msg_publication_readonly'

    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='CASCADE')
    published_at = fields.DateTime(
        "Published at", required=True, readonly=True)
    received_at = fields.DateTime("Received at", readonly=True)
    title = fields.Char("Title", readonly=True)
    question = fields.Text("Question", readonly=True)
    place = fields.Char("Place of the Matter", readonly=True)
    answer = fields.Text("Answer", readonly=True)
    submitter = fields.Char("Submitter (public)", readonly=True)
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT')
    answer_unit = fields.Char("Answered by", readonly=True)
    field = fields.Many2One(
        'pakn.field', "Field", readonly=True, ondelete='RESTRICT')
    channel = fields.Many2One(
        'pakn.channel', "Channel", readonly=True, ondelete='RESTRICT')
    search_text = fields.Text(
        "Search Text", readonly=True,
        help="The text folded for searching on SQLite.")
    slug = fields.Function(fields.Char("Slug"), 'get_slug')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.published_at, Index.Range(order='DESC')),
                    (t.id, Index.Range(order='DESC'))),
                Index(t,
                    (t.unit, Index.Range()),
                    (t.published_at, Index.Range(order='DESC'))),
                Index(t,
                    (t.field, Index.Range()),
                    (t.published_at, Index.Range(order='DESC'))),
                Index(t,
                    (t.channel, Index.Range()),
                    (t.published_at, Index.Range(order='DESC'))),
                })
        cls._order = [('published_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if is_postgresql():
            cls._register_fulltext()

    @classmethod
    def _register_fulltext(cls):
        """Create the unaccent extension, an IMMUTABLE wrapper of it (a
        generated column may only call immutable functions), the generated
        column search_vector and its GIN index"""
        cursor = Transaction().connection.cursor()
        cursor.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'")
        schema, = cursor.fetchone()
        schema = '"%s"' % schema.replace('"', '""')
        cursor.execute(
            "CREATE OR REPLACE FUNCTION pakn_unaccent(text) RETURNS text "
            "AS $$ SELECT %(schema)s.unaccent("
            "'%(schema)s.unaccent'::regdictionary, lower($1)) $$ "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
            % {'schema': schema})
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s "
            "AND column_name = %s", (cls._table, FTS_COLUMN))
        if not cursor.fetchone():
            # the expression index of the first version of the module
            cursor.execute(
                'DROP INDEX IF EXISTS "pakn_portal_publication_fts"')
            cursor.execute(
                'ALTER TABLE "%s" ADD COLUMN "%s" tsvector '
                'GENERATED ALWAYS AS (%s) STORED'
                % (cls._table, FTS_COLUMN, FTS_DOCUMENT))
        cursor.execute(
            'CREATE INDEX IF NOT EXISTS "%s" ON "%s" USING GIN ("%s")'
            % (FTS_INDEX, cls._table, FTS_COLUMN))

    def get_slug(self, name):
        return slugify(self.title)

    @classmethod
    def values_of(cls, ticket, instant):
        """The public values of a case being published: the question is
        the public copy of the content, with personal data hidden
        (redaction.public_text), never the content itself"""
        content = public_text(ticket)
        values = {
            'ticket': ticket.id,
            'published_at': instant,
            'received_at': ticket.received_at,
            'title': make_title(content),
            'question': content,
            'place': ticket.matter_place,
            'answer': ticket.answer_text,
            'submitter': ticket.submitter_public_name,
            'unit': ticket.lead_unit.id if ticket.lead_unit else None,
            'answer_unit': ticket.answer_unit,
            'field': ticket.field.id if ticket.field else None,
            'channel': ticket.channel.id if ticket.channel else None,
            }
        if not is_postgresql():
            values['search_text'] = fold(' '.join(filter(None, [
                            values['title'], content,
                            ticket.answer_text or ''])).replace(
                    MASK_TOKEN, ' '))
        return values

    @classmethod
    def publish(cls, tickets, instant):
        "Write the public rows of the cases that may be public"
        tickets = [t for t in tickets
            if not t.confidential and not t.state_secret]
        if not tickets:
            return []
        existing = {p.ticket.id for p in cls.search([
                    ('ticket', 'in', [t.id for t in tickets]),
                    ])}
        return cls.create([cls.values_of(t, instant)
                for t in tickets if t.id not in existing])

    @classmethod
    def withdraw(cls, tickets):
        "Remove the public rows of the cases: the portal no longer shows them"
        publications = cls.search([
                ('ticket', 'in', [t.id for t in tickets]),
                ])
        if publications:
            cls.delete(publications)
        return publications

    @classmethod
    def portal_search(cls, text=None, field=None, unit=None, channel=None,
            date_from=None, date_to=None, offset=0, limit=20):
        """Return the ids of the published answers matching, newest first,
        and whether there are more after them. The ids are fetched one more
        than asked instead of counting every match."""
        table = cls.__table__()
        where = Literal(True)
        if field:
            where &= table.field == int(field)
        if unit:
            where &= table.unit == int(unit)
        if channel:
            where &= table.channel == int(channel)
        if date_from:
            where &= table.published_at >= date_from
        if date_to:
            where &= table.published_at < date_to
        words = query_words(text)
        if words and is_postgresql():
            where &= cls._matches(table, ' & '.join(w + ':*' for w in words))
        else:
            for word in words:
                pattern = fold(word).replace('\\', '\\\\').replace(
                    '%', '\\%').replace('_', '\\_')
                where &= Like(
                    table.search_text, '%' + pattern + '%', escape='\\')
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id,
                where=where,
                order_by=[table.published_at.desc, table.id.desc],
                limit=limit + 1, offset=offset))
        ids = [r[0] for r in cursor]
        return ids[:limit], len(ids) > limit

    @staticmethod
    def _matches(table, tsquery):
        "The rows whose search_vector matches the tsquery (PostgreSQL)"
        return TsMatch(Column(table, FTS_COLUMN), ToTsQuery(
                Cast(Literal('simple'), 'regconfig'), Unaccent(tsquery)))

    @classmethod
    def similar(cls, text, limit=5):
        """Published answers to questions sharing words with the text being
        typed, the closest first: for the submission form.

        Candidates come from the index (PostgreSQL: those with every word,
        and the latest 200 with any) or the latest answers (SQLite); each
        is scored by the distinct words of the text found
        as words in its question, and kept with at least a third of them."""
        words = [w for w in dict.fromkeys(
                fold(w) for w in query_words(text, 40))
            if len(w) > 1 and w not in STOP_WORDS][:12]
        if not words:
            return []
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        if is_postgresql():
            # The answers with every word, then the latest with any: both
            # bounded, whatever the number of answers
            ids = []
            for operator, count in [(' & ', limit), (' | ', 200)]:
                cursor.execute(*table.select(table.id,
                        where=cls._matches(table, operator.join(words)),
                        order_by=[table.published_at.desc, table.id.desc],
                        limit=count))
                ids.extend(r[0] for r in cursor if r[0] not in ids)
        else:
            cursor.execute(*table.select(table.id,
                    order_by=[table.published_at.desc], limit=5000))
            ids = [r[0] for r in cursor]
        candidates = cls.browse(ids)
        needed = max(2, -(-len(words) // 3)) if len(words) > 1 else 1
        scored = []
        for publication in candidates:
            question = set(re.findall(r'\w+', fold(' '.join(filter(None, [
                                publication.title,
                                publication.question])))))
            score = sum(1 for w in words if w in question)
            if score >= needed:
                scored.append((-score, -publication.published_at.timestamp(),
                        publication.id))
        scored.sort()
        return [id_ for *_, id_ in scored[:limit]]

    @classmethod
    def evidence(cls, publication):
        "The evidence attachments of the answer (published with it)"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        return Attachment.search([
                ('resource', '=', str(publication.ticket)),
                ('pakn_kind', '=', 'evidence'),
                ], order=[('id', 'ASC')])


class Ticket(metaclass=PoolMeta):
    __name__ = 'pakn.ticket'

    public = fields.Function(
        fields.Boolean(
            "Public", help="The answer is published on the portal."),
        'get_public', searcher='search_public')
    submitter_public_name = fields.Function(
        fields.Char("Submitter (public)"), 'get_submitter_public_name')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.event_reactions.append((20, 'portal_react'))

    @classmethod
    def _public_domain(cls):
        return [
            ('state', 'in', PUBLIC_STATES),
            ('confidential', '=', False),
            ('state_secret', '=', False),
            ('events', 'where', [('type', '=', 'published')]),
            ]

    @classmethod
    def get_public(cls, tickets, name):
        with without_check_access():
            public = set(map(int, cls.search([
                            ('id', 'in', [t.id for t in tickets]),
                            *cls._public_domain()])))
        return {t.id: t.id in public for t in tickets}

    @classmethod
    def search_public(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return cls._public_domain()
        return ['OR',
            ('state', 'not in', PUBLIC_STATES),
            ('confidential', '=', True),
            ('state_secret', '=', True),
            ('events', 'not where', [('type', '=', 'published')]),
            ]

    def get_submitter_public_name(self, name):
        if self.state_secret or self.confidential:
            return None
        if self.submitter_type == 'organisation':
            return self.submitter_name
        return mask_name(self.submitter_name)

    @classmethod
    def portal_react(cls, tickets, events):
        """Write the public rows of published cases; withdraw those of
        cases marked confidential"""
        pool = Pool()
        Publication = pool.get('pakn.portal.publication')
        if not events:
            return
        type_ = events[0].type
        with without_check_access():
            if type_ == 'published':
                Publication.publish(tickets, events[0].date)
            elif type_ == 'confidentiality_raised':
                Publication.withdraw(tickets)
