# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What every model of the PAKN modules shares: the integrity of what
clients write.

Tryton's clients honour the `readonly` of a field and its `states`, but the
server takes whatever a JSON-RPC call sends. IntegrityMixin makes the server
refuse, on the `create`, `write` and `copy` calls of a client, every field
that the model declares read-only for the record at hand: statically
(`readonly=True`) or through its `states` (evaluated on the record, as the
client evaluates them). What is read-only changes only through the model's
own steps (buttons, wizards, crons), which are server code and are not
checked: the check sits on the RPC entry points only."""
import functools

from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import AccessError
from trytond.model.modelstorage import EvalEnvironment
from trytond.pyson import PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction

from .common import normalize_text

_encoder = PYSONEncoder()


def _empty(value):
    return value is None or value is False or value == '' or value == []


class IntegrityMixin:
    "Refuse client writes of read-only fields; see the module's docstring"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for method, guard in [
                ('create', _guard_create),
                ('write', _guard_write),
                ('copy', _guard_copy),
                ]:
            rpc = cls.__rpc__.get(method)
            if rpc is not None and rpc.decorator is None:
                rpc.decorator = guard

    @classmethod
    def readonly_fields(cls, record, names):
        """The names among names that the client may not set on record:
        read-only by declaration or by the states of the field"""
        env = None
        refused = []
        for name in names:
            field = cls._fields.get(name)
            if field is None:
                continue
            if field.readonly or (
                    isinstance(field, fields.Function) and not field.setter):
                refused.append(name)
                continue
            readonly = field.states.get('readonly')
            if readonly is None or isinstance(readonly, bool):
                if readonly:
                    refused.append(name)
                continue
            if env is None:
                env = EvalEnvironment(record, cls)
                env['context'] = Transaction().context
                env['active_id'] = record.id
                env['id'] = record.id if record.id is not None else -1
            if PYSONDecoder(env).decode(_encoder.encode(readonly)):
                refused.append(name)
        return refused

    @classmethod
    def _refuse_fields(cls, names):
        # the labels as the user's client shows them
        definitions = cls.fields_get(list(names))
        field_names = [definitions.get(n, {}).get('string') or n
            for n in names]
        raise AccessError(gettext(
                'pakn_helpdesk.msg_field_readonly',
                model=cls.__names__()['model'],
                fields=', '.join(field_names)))

    @classmethod
    def check_client_create(cls, vlist):
        "Refuse the values of vlist that only the model's steps may set"
        defaults = cls.default_get(
            list(cls._fields.keys()), with_rec_name=False)
        for values in vlist:
            names = [n for n in values if n in cls._fields]
            # A client sends the defaults of a new record, read-only ones
            # too: those are not a change
            candidates = [n for n in names
                if not (_empty(values[n]) or values[n] == defaults.get(n))]
            if not candidates:
                continue
            record = cls(**{**defaults, **{
                        n: v for n, v in values.items()
                        if n in cls._fields
                        and not isinstance(cls._fields[n], (
                                fields.One2Many, fields.Many2Many))}})
            refused = cls.readonly_fields(record, candidates)
            if refused:
                cls._refuse_fields(refused)

    @classmethod
    def check_client_write(cls, *args):
        "Refuse the values of the write that only the model's steps may set"
        actions = iter(args)
        for records, values in zip(actions, actions):
            names = [n for n in values if n in cls._fields]
            if not names:
                continue
            for record in records:
                refused = cls.readonly_fields(record, names)
                if refused:
                    cls._refuse_fields(refused)

    # Normalised text: what is stored and what is searched is in NFC,
    # without control or format characters (see common.normalize_text),
    # whoever writes it (clients, the portal, server code)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        return normalize_text_values(cls, values)

    @classmethod
    def search(cls, domain, *args, **kwargs):
        # search_count, search_read, the clauses of search_rec_name and the
        # subqueries of relational clauses all come through search
        return super().search(normalize_domain(domain), *args, **kwargs)


def normalize_text_values(Model, values):
    "Normalise in place the stored Char and Text values of Model in values"
    for name, value in values.items():
        if isinstance(value, str) and isinstance(
                Model._fields.get(name), fields.Char):
            values[name] = normalize_text(value)
    return values


def normalize_domain(domain):
    """The domain with every text in it normalised (the values of its
    clauses, the values of "in" lists and the subdomains of "where");
    field names and operators are ASCII and stay as they are"""
    if isinstance(domain, str):
        return normalize_text(domain)
    if isinstance(domain, (list, tuple)):
        return type(domain)(normalize_domain(d) for d in domain)
    return domain


def _guard_create(func):
    @functools.wraps(func)
    def wrapper(vlist, *args, **kwargs):
        Model = func.__self__
        Model.check_client_create(vlist)
        return func(vlist, *args, **kwargs)
    return wrapper


def _guard_write(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        Model = func.__self__
        Model.check_client_write(*args)
        return func(*args, **kwargs)
    return wrapper


def _guard_copy(func):
    @functools.wraps(func)
    def wrapper(records, default=None, *args, **kwargs):
        Model = func.__self__
        if default:
            Model.check_client_create([default])
        return func(records, default, *args, **kwargs)
    return wrapper


class AppendOnlyMixin:
    """Rows written once, never changed nor removed: events, contributions,
    ratings, redactions (the history a case is judged by).

    `_append_only_message` is the ir.message of the refusal,
    `_append_only_error` its exception class; with `_append_only_by_server`
    only server code adds rows (a client's create is refused too)."""
    __slots__ = ()
    _append_only_message = 'pakn_helpdesk.msg_record_append_only'
    _append_only_error = AccessError
    _append_only_by_server = False

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode in {'write', 'delete'} or (
                mode == 'create' and external and cls._append_only_by_server):
            raise cls._append_only_error(gettext(cls._append_only_message))


class ServerOnlyMixin:
    """Records that only server code writes (the public copy of a case,
    the SMS outbox): every create, write and delete of a client is refused,
    reading follows the record's access rules.

    `_server_only_message` is the ir.message of the refusal."""
    __slots__ = ()
    _server_only_message = 'pakn_helpdesk.msg_record_server_only'

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if external:
            raise AccessError(gettext(cls._server_only_message))
