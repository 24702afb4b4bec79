# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import secrets
from string import Template

from trytond.i18n import gettext
from trytond.model import (
    Index,
    ModelSQL,
    ModelStorage,
    ModelView,
    Unique,
    Workflow,
    fields,
)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import normalize_contact_values, now, to_local
from .exceptions import (
    EventModificationError,
    TicketRoleError,
    TicketValidationError,
    TicketWorkflowError,
)
from .lifecycle import EVENT_TYPES, OPEN_STATES, STATES
from .model import AppendOnlyMixin, IntegrityMixin

# Letters and digits that cannot be confused when read over the phone
CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
CODE_RANDOM_LENGTH = 3

# Fields that a state-secret case never stores
SECRET_CLEARED_FIELDS = [
    'content', 'matter_place', 'matter_time', 'submitter_name',
    'submitter_address', 'submitter_phone', 'submitter_email',
    'recording_ref', 'result',
    ]

_intake = ~Eval('state').in_(['received', 'clarification'])
# What the submitter gave is fixed once the case is received (saved): a
# mistake is corrected with the correct_intake step, which writes an event
_received = Eval('id', -1) > 0
_secret = Bool(Eval('state_secret'))
# States before the leader's approval: confidentiality may still be lowered
BEFORE_APPROVAL = [
    'received', 'clarification', 'forwarded', 'processing',
    'waiting_approval']
# The fields of intake that only correct_intake changes once received
INTAKE_FIELDS = [
    'channel', 'received_at', 'recording_ref', 'submitter_type',
    'submitter_name', 'submitter_address', 'submitter_phone',
    'submitter_email', 'content', 'matter_place', 'matter_time',
    ]


class Ticket(IntegrityMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'pakn.ticket'
    __string__ = "PAKN Case"
    _rec_name = 'code'

    code = fields.Char(
        "Tracking Code", readonly=True,
        help="The code the submitter uses to look the case up.")
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)

    # Intake
    channel = fields.Many2One(
        'pakn.channel', "Channel", required=True, ondelete='RESTRICT',
        states={'readonly': _received})
    channel_phone = fields.Function(
        fields.Boolean("Phone Channel"), 'on_change_with_channel_phone')
    received_at = fields.DateTime(
        "Received at", required=True, states={'readonly': _received})
    recording_ref = fields.Char(
        "Call Recording", strip=True,
        states={
            'invisible': ~Eval('channel_phone') | _secret,
            'required': Bool(Eval('channel_phone')) & ~_secret,
            'readonly': _received,
            },
        help="The reference of the call recording in the switchboard.")
    operator = fields.Many2One(
        'res.user', "Operator", readonly=True, ondelete='RESTRICT')

    # Submitter
    submitter_type = fields.Selection([
            ('person', "Person"),
            ('organisation', "Organisation"),
            ], "Submitter Type", required=True,
        states={'readonly': _received, 'invisible': _secret})
    submitter_name = fields.Char(
        "Full Name", strip=True,
        states={
            'readonly': _received,
            'required': ~_secret,
            'invisible': _secret,
            },
        help="The full name of the person or of the organisation.")
    submitter_address = fields.Char(
        "Contact Address", strip=True,
        states={'readonly': _received, 'invisible': _secret})
    submitter_phone = fields.Char(
        "Phone",
        states={
            'readonly': _received,
            'required': ~_secret,
            'invisible': _secret,
            })
    submitter_email = fields.Char(
        "Email", states={'readonly': _received, 'invisible': _secret})

    # Content
    content = fields.Text(
        "Content",
        states={
            'readonly': _received,
            'required': ~_secret,
            'invisible': _secret,
            })
    matter_place = fields.Char(
        "Place of the Matter",
        states={'readonly': _received, 'invisible': _secret})
    matter_time = fields.DateTime(
        "Time of the Matter",
        states={'readonly': _received, 'invisible': _secret})
    attachments = fields.One2Many(
        'ir.attachment', 'resource', "Attachments",
        states={'invisible': _secret})
    confidential = fields.Boolean(
        "Confidentiality Requested", states={'readonly': _received},
        help="The submitter asked to keep the case confidential: its "
        "answer is sent to the submitter only and never published.")
    urgent = fields.Boolean(
        "Urgent Incident", states={'readonly': _intake},
        help="An urgent incident of technical infrastructure "
        "(electricity, water, drainage, trees, lighting, telecoms).")
    state_secret = fields.Boolean(
        "State Secret", states={'readonly': _received},
        help="The case contains state secrets: it is handled outside the "
        "system, which stores only its reference and handling unit.")
    secret_reference = fields.Char(
        "Secret Reference", strip=True,
        states={
            'invisible': ~_secret,
            'required': _secret,
            'readonly': _received,
            },
        help="The reference number of the document handled outside the "
        "system.")

    # Classification and routing
    category = fields.Many2One(
        'pakn.category', "Content Category", ondelete='RESTRICT',
        states={'readonly': _intake})
    field = fields.Many2One(
        'pakn.field', "Field", ondelete='RESTRICT',
        states={'readonly': _intake})
    lead_unit = fields.Many2One(
        'pakn.unit', "Lead Unit", ondelete='RESTRICT',
        states={'readonly': _intake})
    coordinating_units = fields.Many2Many(
        'pakn.ticket-pakn.unit', 'ticket', 'unit', "Coordinating Units",
        domain=[('id', '!=', Eval('lead_unit', -1))],
        states={'readonly': _intake})
    focal_point = fields.Many2One(
        'res.user', "Focal Point in Charge", readonly=True,
        ondelete='RESTRICT')
    sla_profile = fields.Many2One(
        'pakn.sla.profile', "Regulation Profile", readonly=True,
        ondelete='RESTRICT',
        help="The regulation whose deadlines apply: the one in force when "
        "the case was received.")

    # Outcomes of intake
    reject_reason = fields.Text(
        "Rejection Reason",
        states={
            'invisible': ~Eval('state').in_(
                ['received', 'clarification', 'rejected', 'closed']),
            'readonly': _intake,
            })
    guidance = fields.Text(
        "Guidance",
        states={
            'invisible': ~Eval('state').in_(
                ['received', 'clarification', 'rejected', 'closed']),
            'readonly': _intake,
            },
        help="Where the submitter should go instead.")
    duplicate_of = fields.Many2One(
        'pakn.ticket', "Duplicate of", ondelete='RESTRICT',
        domain=[('id', '!=', Eval('id', -1))],
        states={
            'invisible': ~Eval('state').in_(
                ['received', 'clarification', 'duplicate', 'closed']),
            'readonly': _intake,
            })
    clarification_request = fields.Text(
        "Missing Information",
        states={
            'invisible': ~Eval('state').in_(
                ['received', 'clarification', 'closed']),
            'readonly': Eval('state') != 'received',
            },
        help="What the submitter must complete.")
    return_reason = fields.Text(
        "Return Reason",
        states={
            'invisible': ~Eval('state').in_(['forwarded', 'received']),
            'readonly': Eval('state') != 'forwarded',
            },
        help="Why the unit returns the case as not within its competence.")

    # Answer
    result = fields.Text(
        "Result Content",
        states={
            'readonly': ~Eval('state').in_(['received', 'processing']),
            'invisible': _secret,
            },
        help="The answer: what was done, or the date by which it will be "
        "done.")
    remarks = fields.Text(
        "Leader's Remarks",
        states={
            'readonly': Eval('state') != 'waiting_approval',
            'invisible': ~Eval('state').in_(
                ['processing', 'waiting_approval']),
            })
    answer_unit = fields.Char("Answered by", readonly=True)
    answer_preview = fields.Function(
        fields.Text("Answer (Annex I)"), 'get_answer_preview')
    answer_text = fields.Text(
        "Answer Sent", readonly=True,
        help="The Annex I answer as approved: what the citizen reads.")
    approved_by = fields.Many2One(
        'res.user', "Approved by", readonly=True, ondelete='RESTRICT')
    approved_at = fields.DateTime("Approved at", readonly=True)
    answered_at = fields.DateTime(
        "Answer Delivered at", readonly=True,
        help="When the answer was published or sent to the submitter.")

    contributions = fields.One2Many(
        'pakn.ticket.contribution', 'ticket', "Contributions",
        readonly=True)
    events = fields.One2Many(
        'pakn.ticket.event', 'ticket', "History", readonly=True)
    is_mine = fields.Function(
        fields.Boolean("In My Queue"), 'get_is_mine',
        searcher='search_is_mine')

    @classmethod
    def __setup__(cls):
        cls.code.search_unaccented = False
        super().__setup__()
        # The reactions to the events of the steps: (order, method name),
        # run in order by react_to_events. Modules register theirs:
        #  10 pakn_helpdesk: deadlines start, are met or cancelled
        #  20 pakn_portal: the public row is written or withdrawn
        #  30 pakn_sms: messages are queued (they see the deadlines and
        #     the public row of the same step)
        cls.event_reactions = []
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'pakn_helpdesk.msg_ticket_code_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.code, Index.Equality())),
                Index(t, (t.lead_unit, Index.Range())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(OPEN_STATES)),
                Index(t, (t.received_at, Index.Range(order='DESC'))),
                })
        cls._order = [
            ('received_at', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('received', 'rejected'),
            ('received', 'duplicate'),
            ('received', 'clarification'),
            ('received', 'answered'),
            ('received', 'forwarded'),
            ('clarification', 'received'),
            ('clarification', 'rejected'),
            ('forwarded', 'received'),
            ('forwarded', 'processing'),
            ('processing', 'waiting_approval'),
            ('waiting_approval', 'processing'),
            ('waiting_approval', 'approved'),
            ('approved', 'published'),
            ('approved', 'sent_privately'),
            ('rejected', 'closed'),
            ('duplicate', 'closed'),
            ('answered', 'closed'),
            ('published', 'closed'),
            ('sent_privately', 'closed'),
            ('processing', 'closed'),
            }
        cls._buttons.update({
                'reject': {
                    'invisible': ~Eval('state').in_(
                        ['received', 'clarification']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'mark_duplicate': {
                    'invisible': Eval('state') != 'received',
                    'icon': 'tryton-copy',
                    'depends': ['state'],
                    },
                'request_clarification': {
                    'invisible': (Eval('state') != 'received') | _secret,
                    'icon': 'tryton-question',
                    'depends': ['state', 'state_secret'],
                    },
                'resubmit': {
                    'invisible': Eval('state') != 'clarification',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'answer_directly': {
                    'invisible': (Eval('state') != 'received') | _secret,
                    'icon': 'tryton-ok',
                    'depends': ['state', 'state_secret'],
                    },
                'forward': {
                    'invisible': Eval('state') != 'received',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'return_case': {
                    'invisible': Eval('state') != 'forwarded',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'forwarded',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'contribute': {
                    'invisible': ~Eval('state').in_(
                        ['forwarded', 'processing', 'waiting_approval'])
                    | _secret,
                    'icon': 'tryton-launch',
                    'depends': ['state', 'state_secret'],
                    },
                'submit': {
                    'invisible': (Eval('state') != 'processing') | _secret,
                    'icon': 'tryton-forward',
                    'depends': ['state', 'state_secret'],
                    },
                'send_back': {
                    'invisible': Eval('state') != 'waiting_approval',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'waiting_approval',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'publish': {
                    'invisible': (
                        (Eval('state') != 'approved')
                        | Bool(Eval('confidential'))),
                    'icon': 'tryton-public',
                    'depends': ['state', 'confidential'],
                    },
                'send_privately': {
                    'invisible': (
                        (Eval('state') != 'approved')
                        | ~Eval('confidential')),
                    'icon': 'tryton-email',
                    'depends': ['state', 'confidential'],
                    },
                'correct_intake': {
                    'invisible': ~Eval('state').in_(OPEN_STATES) | _secret,
                    'icon': 'tryton-edit',
                    'depends': ['state', 'state_secret'],
                    },
                'raise_confidentiality': {
                    'invisible': Bool(Eval('confidential')) | _secret,
                    'icon': 'tryton-lock',
                    'depends': ['confidential', 'state_secret'],
                    },
                'lower_confidentiality': {
                    'invisible': (~Eval('confidential')
                        | ~Eval('state').in_(BEFORE_APPROVAL)),
                    'icon': 'tryton-unlock',
                    'depends': ['confidential', 'state'],
                    },
                'close': {
                    'invisible': ~(
                        Eval('state').in_([
                                'rejected', 'duplicate', 'answered',
                                'published', 'sent_privately'])
                        | ((Eval('state') == 'processing') & _secret)),
                    'icon': 'tryton-archive',
                    'depends': ['state', 'state_secret'],
                    },
                })

    @staticmethod
    def default_state():
        return 'received'

    @staticmethod
    def default_received_at():
        return now()

    @staticmethod
    def default_submitter_type():
        return 'person'

    @staticmethod
    def default_operator():
        return Transaction().user or None

    @classmethod
    def default_sla_profile(cls):
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        profile = Configuration(1).sla_profile
        return profile.id if profile else None

    @classmethod
    def default_channel(cls):
        pool = Pool()
        Channel = pool.get('pakn.channel')
        channels = Channel.search([('code', '=', 'phone')], limit=1)
        return channels[0].id if channels else None

    @staticmethod
    def default_confidential():
        return False

    @staticmethod
    def default_urgent():
        return False

    @staticmethod
    def default_state_secret():
        return False

    @fields.depends('channel')
    def on_change_with_channel_phone(self, name=None):
        return bool(self.channel and self.channel.phone)

    @fields.depends('category', 'guidance')
    def on_change_category(self):
        if self.category and self.category.guidance and not self.guidance:
            self.guidance = self.category.guidance

    @fields.depends('state_secret', *SECRET_CLEARED_FIELDS)
    def on_change_state_secret(self):
        if self.state_secret:
            for name in SECRET_CLEARED_FIELDS:
                setattr(self, name, None)

    @fields.depends('lead_unit', 'coordinating_units')
    def on_change_lead_unit(self):
        if self.lead_unit:
            self.coordinating_units = [
                u for u in self.coordinating_units if u != self.lead_unit]

    # Values

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('state_secret'):
            for name in SECRET_CLEARED_FIELDS:
                if name in values:
                    values[name] = None
        normalize_contact_values(
            values, phone_fields=['submitter_phone'],
            email_fields=['submitter_email'])
        for name in ['content', 'submitter_name', 'result']:
            if isinstance(values.get(name), str):
                values[name] = values[name].strip() or None
        if mode == 'create' and not values.get('code'):
            values['code'] = cls._new_code(values.get('received_at'))
        if mode == 'create':
            values = cls._profile_of_the_day(values)
        return values

    @classmethod
    def _profile_of_the_day(cls, values):
        "Give the case the profile valid on the local date it was received"
        pool = Pool()
        Profile = pool.get('pakn.sla.profile')
        Configuration = pool.get('pakn.configuration')
        configured = Configuration(1).sla_profile
        if not configured:
            return values
        profile_id = values.get('sla_profile', configured.id)
        if profile_id != configured.id:
            return values
        received_at = values.get('received_at') or now()
        date = to_local(received_at, Configuration(1).timezone).date()
        with without_check_access():
            profile = Profile(profile_id).valid_on(date)
        if profile.id != profile_id:
            values = {**values, 'sla_profile': profile.id}
        return values

    @classmethod
    def _new_code(cls, received_at=None):
        "Return a code like PAKN-2026-000123-K7Q"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        local = to_local(received_at or now(), config.timezone)
        with without_check_access():
            number = config.ticket_sequence.get()
        random_part = ''.join(
            secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_LENGTH))
        return '-'.join(
            [config.code_prefix, str(local.year), number, random_part])

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('code', None)
        for name in [
                'events', 'contributions', 'attachments', 'focal_point',
                'answer_text', 'answer_unit', 'approved_by', 'approved_at',
                'answered_at',
                'reject_reason', 'duplicate_of', 'clarification_request',
                'return_reason', 'remarks', 'result']:
            default.setdefault(name, None)
        return super().copy(tickets, default=default)

    @classmethod
    def _validate(cls, tickets, field_names=None):
        # Check the content first so that a missing value is reported with
        # the message of the case rather than the generic one
        for ticket in tickets:
            ticket.check_content()
        super()._validate(tickets, field_names=field_names)

    def check_content(self):
        if self.state_secret:
            if not self.secret_reference:
                raise TicketValidationError(gettext(
                        'pakn_helpdesk.msg_ticket_secret_reference_required'))
            for name in SECRET_CLEARED_FIELDS:
                if getattr(self, name):
                    raise TicketValidationError(gettext(
                            'pakn_helpdesk.msg_ticket_secret_no_answer',
                            ticket=self.rec_name))
            if self.attachments:
                raise TicketValidationError(gettext(
                        'pakn_helpdesk.msg_ticket_secret_attachment',
                        ticket=self.rec_name))
            return
        if not self.content:
            raise TicketValidationError(gettext(
                    'pakn_helpdesk.msg_ticket_content_required'))
        if not self.submitter_name:
            raise TicketValidationError(gettext(
                    'pakn_helpdesk.msg_ticket_submitter_name_required'))
        if not self.submitter_phone:
            raise TicketValidationError(gettext(
                    'pakn_helpdesk.msg_ticket_submitter_phone_required'))
        if self.channel.phone and not self.recording_ref:
            raise TicketValidationError(gettext(
                    'pakn_helpdesk.msg_ticket_recording_required'))
        if self.lead_unit and self.lead_unit in self.coordinating_units:
            raise TicketValidationError(gettext(
                    'pakn_helpdesk.msg_ticket_lead_coordinating',
                    unit=self.lead_unit.rec_name, ticket=self.rec_name))

    @classmethod
    def check_modification(cls, mode, tickets, values=None, external=False):
        super().check_modification(
            mode, tickets, values=values, external=external)
        if mode == 'delete':
            raise AccessError(gettext(
                    'pakn_helpdesk.msg_ticket_delete',
                    ticket=tickets[0].rec_name))

    @classmethod
    def on_modification(cls, mode, tickets, field_names=None):
        super().on_modification(mode, tickets, field_names=field_names)
        if mode == 'create':
            cls.write_events(tickets, 'received', None)

    # Answer

    def get_answer_preview(self, name):
        if self.answer_text:
            return self.answer_text
        if self.state_secret or not self.result:
            return None
        unit = self.lead_unit.name if self.lead_unit else None
        return self.render_answer(unit)

    def render_answer(self, unit_name=None):
        "Return the Annex I text of the answer"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        if not unit_name:
            unit_name = config.hotline_name
        evidence = [
            a.name for a in self.attachments if a.pakn_kind == 'evidence']
        attachments = ''
        if evidence:
            attachments = Template(config.attachments_line).safe_substitute(
                names='; '.join(evidence))
        text = Template(config.answer_template).safe_substitute(
            unit=unit_name, result=self.result.strip(),
            attachments=attachments)
        return text.rstrip() + '\n'

    def get_tracking_link(self):
        """The address of the public page where the submitter follows the
        case, sent to them (SMS), '' without one: the configuration's
        tracking link, whose default the portal provides"""
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        return Configuration(1).get_tracking_link(self.code or '')

    # Queue

    def get_is_mine(self, name):
        return bool(self.search([
                    ('id', '=', self.id),
                    ('is_mine', '=', True),
                    ]))

    @classmethod
    def search_is_mine(cls, name, clause):
        _, operator, value = clause
        domain = cls._my_queue_domain()
        if (operator == '=') == bool(value):
            return domain
        return [('id', 'not where', domain)]

    @classmethod
    def _my_queue_domain(cls):
        "The domain of the cases waiting for the current user"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user_id = Transaction().user
        user = User(user_id)
        groups = set(User.get_groups())
        focal_ids = [u.id for u in user.pakn_focal_units]
        led_ids = list(User.get_pakn_units()) if user.pakn_led_units else []
        domain = ['OR',
            [('state', '=', 'processing'), ('focal_point', '=', user_id)],
            [('state', '=', 'forwarded'),
                ('lead_unit', 'in', focal_ids + led_ids)],
            [('state', 'in', ['forwarded', 'processing']),
                ('coordinating_units', 'in', focal_ids)],
            [('state', 'in', ['waiting_approval', 'approved']),
                ('lead_unit', 'in', led_ids)],
            ]
        if ModelData.get_id('pakn_helpdesk', 'group_operator') in groups:
            domain.append([
                    ('state', 'in', ['received', 'clarification']),
                    ['OR',
                        ('operator', '=', user_id),
                        ('operator', '=', None),
                        ],
                    ])
        if ModelData.get_id('pakn_helpdesk', 'group_office') in groups:
            domain.append([
                    ('state', '=', 'received'),
                    ('return_reason', '!=', None),
                    ])
        return domain

    # Helpers of the workflow

    @classmethod
    def write_events(cls, tickets, type_, to_state, note=None, unit=None,
            content=None):
        """Write one event per case: who, when, from which state to which,
        then run the reactions to them (react_to_events); return the
        events. Every step of a case calls it once its checks passed.

        note, unit and content are values or functions of the case."""
        pool = Pool()
        Event = pool.get('pakn.ticket.event')
        instant = now()
        user = Transaction().user or None
        with without_check_access():
            events = Event.create([{
                        'ticket': t.id,
                        'user': user,
                        'date': instant,
                        'from_state': t.state if type_ != 'received' else None,
                        'to_state': to_state or t.state,
                        'type': type_,
                        'note': note(t) if callable(note) else note,
                        'unit': unit(t) if callable(unit) else unit,
                        'content': (
                            content(t) if callable(content) else content),
                        } for t in tickets])
        cls.react_to_events(tickets, events)
        return events

    @classmethod
    def react_to_events(cls, tickets, events):
        """Run the reactions of the modules to events just written for
        tickets (one event per case, of one type), in the order of
        event_reactions. A reaction is a classmethod of pakn.ticket taking
        (tickets, events); it runs in the transaction of the step, so what
        it writes exists if and only if the step happened."""
        for _, name in sorted(cls.event_reactions):
            getattr(cls, name)(tickets, events)

    def require_text(self, text, message, error=TicketWorkflowError):
        """Return the text a step of the case needs (a reason, a
        contribution) stripped; refuse the step without it (error with the
        message of pakn_helpdesk named message)"""
        text = (text or '').strip()
        if not text:
            raise error(gettext(
                    'pakn_helpdesk.%s' % message, ticket=self.rec_name))
        return text

    @classmethod
    def _refuse_if(cls, tickets, refused, message):
        """Refuse the step (TicketWorkflowError with the message of
        pakn_helpdesk named message) on the first of the cases for which
        refused(case) is true"""
        for ticket in tickets:
            if refused(ticket):
                raise TicketWorkflowError(gettext(
                        'pakn_helpdesk.%s' % message, ticket=ticket.rec_name))

    @classmethod
    def _require(cls, tickets, field_name, message):
        "Refuse the step (message) on the cases without a value of field_name"
        def missing(ticket):
            value = getattr(ticket, field_name)
            if isinstance(value, str):
                value = value.strip()
            return not value
        cls._refuse_if(tickets, missing, message)

    @classmethod
    def _check_not_secret(cls, tickets):
        cls._refuse_if(
            tickets, lambda t: t.state_secret, 'msg_ticket_secret_no_answer')

    @classmethod
    def _check_unit_role(cls, tickets, role=None):
        """Check the user is a focal point or leader (role) of the lead unit
        of each case. For the work of the unit, the leaders of a parent unit
        count; only the lead unit's own leaders decide on its answer."""
        user_id = Transaction().user
        if not user_id:
            return
        for ticket in tickets:
            unit = ticket.lead_unit
            if not unit or not unit.is_member(
                    user_id, role=role, ancestors=role != 'leader'):
                msg = ('msg_ticket_not_unit_leader' if role == 'leader'
                    else 'msg_ticket_not_unit_staff')
                raise TicketRoleError(gettext(
                        'pakn_helpdesk.%s' % msg, ticket=ticket.rec_name,
                        unit=unit.rec_name if unit else ''))

    @classmethod
    def _is_office(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        return (ModelData.get_id('pakn_helpdesk', 'group_office')
            in User.get_groups())

    # Intake

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, tickets):
        cls._require(
            tickets, 'reject_reason', 'msg_ticket_reject_reason_required')
        cls._require(tickets, 'guidance', 'msg_ticket_reject_reason_required')
        cls.write_events(
            tickets, 'rejected', 'rejected',
            note=lambda t: '%s\n%s' % (t.reject_reason, t.guidance))

    @classmethod
    @ModelView.button
    @Workflow.transition('duplicate')
    def mark_duplicate(cls, tickets):
        cls._require(
            tickets, 'duplicate_of', 'msg_ticket_duplicate_required')
        cls._refuse_if(
            tickets, lambda t: t.duplicate_of == t,
            'msg_ticket_duplicate_self')
        cls.write_events(
            tickets, 'duplicate', 'duplicate',
            note=lambda t: t.duplicate_of.code)

    @classmethod
    @ModelView.button
    @Workflow.transition('clarification')
    def request_clarification(cls, tickets):
        cls._check_not_secret(tickets)
        cls._require(
            tickets, 'clarification_request',
            'msg_ticket_clarification_required')
        cls.write_events(
            tickets, 'clarification_requested', 'clarification',
            note=lambda t: t.clarification_request)

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def resubmit(cls, tickets):
        cls.write_events(tickets, 'resubmitted', 'received')

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer_directly(cls, tickets):
        cls._check_not_secret(tickets)
        cls._check_in_scope(tickets)
        cls._require(tickets, 'result', 'msg_ticket_direct_answer_required')
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        instant = now()
        hotline = Configuration(1).hotline_name
        for ticket in tickets:
            ticket.answer_unit = hotline
            ticket.answer_text = ticket.render_answer(hotline)
            ticket.answered_at = instant
        cls.save(tickets)
        cls.write_events(
            tickets, 'answered_directly', 'answered',
            content=lambda t: t.answer_text)

    @classmethod
    def _check_in_scope(cls, tickets):
        for ticket in tickets:
            if ticket.category and ticket.category.out_of_scope:
                raise TicketWorkflowError(gettext(
                        'pakn_helpdesk.msg_ticket_out_of_scope',
                        ticket=ticket.rec_name,
                        category=ticket.category.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('forwarded')
    def forward(cls, tickets):
        cls._require(tickets, 'lead_unit', 'msg_ticket_forward_unit_required')
        cls._check_in_scope(tickets)
        for ticket in tickets:
            if not ticket.state_secret and not ticket.submitter_address:
                raise TicketWorkflowError(gettext(
                        'pakn_helpdesk.msg_ticket_submitter_address_required'))
        cls.write(tickets, {'return_reason': None, 'focal_point': None})

        def note(ticket):
            if ticket.coordinating_units:
                return ', '.join(u.name for u in ticket.coordinating_units)
        cls.write_events(
            tickets, 'forwarded', 'forwarded', note=note,
            unit=lambda t: t.lead_unit.id)

    # Handling unit

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def return_case(cls, tickets):
        cls._check_unit_role(tickets)
        cls._require(
            tickets, 'return_reason', 'msg_ticket_return_reason_required')
        cls.write_events(
            tickets, 'returned', 'received',
            note=lambda t: t.return_reason, unit=lambda t: t.lead_unit.id)
        cls.write(tickets, {
                'lead_unit': None,
                'coordinating_units': [('remove', [
                            u.id for t in tickets
                            for u in t.coordinating_units])],
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def accept(cls, tickets):
        cls._check_unit_role(tickets)
        user_id = Transaction().user
        for ticket in tickets:
            if user_id and ticket.lead_unit.is_member(
                    user_id, role='focal_point', ancestors=False):
                ticket.focal_point = user_id
        cls.save(tickets)
        cls.write_events(
            tickets, 'accepted', 'processing',
            unit=lambda t: t.lead_unit.id)

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_contribute')
    def contribute(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting_approval')
    def submit(cls, tickets):
        cls._check_not_secret(tickets)
        cls._check_unit_role(tickets)
        cls._require(tickets, 'result', 'msg_ticket_result_required')
        cls.write(tickets, {'remarks': None})
        cls.write_events(
            tickets, 'submitted', 'waiting_approval',
            unit=lambda t: t.lead_unit.id, content=lambda t: t.result)

    @classmethod
    @ModelView.button
    @Workflow.transition('processing')
    def send_back(cls, tickets):
        cls._check_unit_role(tickets, role='leader')
        cls._require(tickets, 'remarks', 'msg_ticket_remarks_required')
        cls.write_events(
            tickets, 'sent_back', 'processing', note=lambda t: t.remarks,
            unit=lambda t: t.lead_unit.id)

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, tickets):
        cls._check_not_secret(tickets)
        cls._check_unit_role(tickets, role='leader')
        instant = now()
        for ticket in tickets:
            ticket.answer_unit = ticket.lead_unit.name
            ticket.answer_text = ticket.render_answer(ticket.lead_unit.name)
            ticket.approved_by = Transaction().user or None
            ticket.approved_at = instant
        cls.save(tickets)
        cls.write_events(
            tickets, 'approved', 'approved', unit=lambda t: t.lead_unit.id,
            content=lambda t: t.answer_text)

    @classmethod
    def _deliver(cls, tickets, state, confidential, message):
        """Deliver the approved answer of the cases, which must all be
        confidential or not as confidential says (else message): publish it
        or send it to the submitter only (state, the event's type too)"""
        cls._check_not_secret(tickets)
        if not cls._is_office():
            cls._check_unit_role(tickets, role='leader')
        cls._refuse_if(
            tickets, lambda t: bool(t.confidential) != confidential, message)
        cls.write(tickets, {'answered_at': now()})
        cls.write_events(tickets, state, state)

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, tickets):
        cls._deliver(
            tickets, 'published', False, 'msg_ticket_publish_confidential')

    @classmethod
    @ModelView.button
    @Workflow.transition('sent_privately')
    def send_privately(cls, tickets):
        cls._deliver(
            tickets, 'sent_privately', True,
            'msg_ticket_private_not_confidential')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, tickets):
        cls._refuse_if(
            tickets,
            lambda t: t.state == 'processing' and not t.state_secret,
            'msg_ticket_close_secret_only')
        cls.write_events(tickets, 'closed', 'closed')

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_correct_intake')
    def correct_intake(cls, tickets):
        pass

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_confidentiality')
    def raise_confidentiality(cls, tickets):
        pass

    @classmethod
    @ModelView.button_action('pakn_helpdesk.wizard_ticket_confidentiality')
    def lower_confidentiality(cls, tickets):
        pass

    @classmethod
    def apply_intake_correction(cls, ticket, values, reason):
        """Correct the intake data of the case with values (field: new
        value) for the reason; write an event with the old and new values.
        Return whether anything changed."""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if Transaction().user and not ({
                    ModelData.get_id('pakn_helpdesk', 'group_operator'),
                    ModelData.get_id('pakn_helpdesk', 'group_office'),
                    } & set(User.get_groups())):
            raise TicketRoleError(gettext(
                    'pakn_helpdesk.msg_ticket_correction_role',
                    ticket=ticket.rec_name))
        reason = ticket.require_text(reason, 'msg_ticket_correction_reason')
        if ticket.state not in OPEN_STATES or ticket.state_secret:
            raise TicketWorkflowError(gettext(
                    'pakn_helpdesk.msg_ticket_correction_state',
                    ticket=ticket.rec_name))
        values = {k: v for k, v in values.items() if k in INTAKE_FIELDS}
        values = cls.preprocess_values('write', values)
        changes = {}
        for name, value in values.items():
            old = getattr(ticket, name)
            if isinstance(old, ModelStorage):
                old = old.id
            if isinstance(value, str):
                value = value.strip() or None
            if old != value:
                changes[name] = (old, value)
        if not changes:
            return False
        cls.write([ticket], {k: v for k, (_, v) in changes.items()})
        ticket = cls(ticket.id)
        ticket.check_content()

        def show(name, value):
            field = cls._fields[name]
            if value is None:
                return ''
            if isinstance(field, fields.Many2One):
                return Pool().get(field.model_name)(value).rec_name
            if isinstance(value, dt.datetime):
                return value.isoformat(sep=' ', timespec='minutes')
            return str(value)
        content = '\n'.join(
            '%s: %s → %s' % (cls._fields[n].string, show(n, o), show(n, v))
            for n, (o, v) in changes.items())
        cls.write_events(
            [ticket], 'intake_corrected', None, note=reason,
            content=content)
        return True

    @classmethod
    def change_confidentiality(cls, ticket, confidential, reason):
        """Mark the case confidential (anyone who handles it, at any time:
        a published answer is withdrawn from the portal at once) or lift
        it (the supervising office only, with a reason, before approval)"""
        reason = (reason or '').strip() or None
        if bool(ticket.confidential) == bool(confidential):
            return False
        cls._check_not_secret([ticket])
        if confidential:
            cls.write([ticket], {'confidential': True})
            cls.write_events(
                [ticket], 'confidentiality_raised', None, note=reason)
            return True
        if Transaction().user and not cls._is_office():
            raise TicketRoleError(gettext(
                    'pakn_helpdesk.msg_ticket_lower_confidentiality_office',
                    ticket=ticket.rec_name))
        if ticket.state not in BEFORE_APPROVAL:
            raise TicketWorkflowError(gettext(
                    'pakn_helpdesk.msg_ticket_lower_confidentiality_state',
                    ticket=ticket.rec_name))
        ticket.require_text(
            reason, 'msg_ticket_lower_confidentiality_reason')
        cls.write([ticket], {'confidential': False})
        cls.write_events(
            [ticket], 'confidentiality_lowered', None, note=reason)
        return True


class TicketCoordinatingUnit(IntegrityMixin, ModelSQL):
    __name__ = 'pakn.ticket-pakn.unit'
    __string__ = "PAKN Case - Coordinating Unit"
    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, ondelete='CASCADE')
    unit = fields.Many2One(
        'pakn.unit', "Unit", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.update({
                Index(t, (t.ticket, Index.Range())),
                Index(t, (t.unit, Index.Range())),
                })


class TicketEvent(AppendOnlyMixin, IntegrityMixin, ModelSQL, ModelView):
    __name__ = 'pakn.ticket.event'
    __string__ = "PAKN Case Event"
    _append_only_message = 'pakn_helpdesk.msg_event_modify'
    _append_only_error = EventModificationError
    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.DateTime("Date", required=True, readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    type = fields.Selection(
        EVENT_TYPES, "Event", required=True, readonly=True, sort=False)
    from_state = fields.Selection(
        [(None, "")] + STATES, "From State", readonly=True, sort=False)
    to_state = fields.Selection(
        STATES, "To State", required=True, readonly=True, sort=False)
    unit = fields.Many2One(
        'pakn.unit', "Unit", readonly=True, ondelete='RESTRICT')
    note = fields.Text("Note", readonly=True)
    content = fields.Text(
        "Content", readonly=True,
        help="The answer as it was at this step.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.add(
            Index(t, (t.ticket, Index.Range()), (t.date, Index.Range())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class TicketContribution(
        AppendOnlyMixin, IntegrityMixin, ModelSQL, ModelView):
    "Contribution of a coordinating unit to the lead unit's answer"
    __name__ = 'pakn.ticket.contribution'
    __string__ = "PAKN Contribution"
    _append_only_message = 'pakn_helpdesk.msg_contribution_modify'
    _append_only_error = EventModificationError
    ticket = fields.Many2One(
        'pakn.ticket', "Case", required=True, readonly=True,
        ondelete='RESTRICT')
    unit = fields.Many2One(
        'pakn.unit', "Unit", required=True, readonly=True,
        ondelete='RESTRICT')
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    date = fields.DateTime("Date", required=True, readonly=True)
    content = fields.Text("Contribution", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('ticket')
        cls._sql_indexes.add(Index(t, (t.ticket, Index.Range())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class TicketContribute(Wizard):
    "Give the contribution of a coordinating unit"
    __name__ = 'pakn.ticket.contribute'
    start = StateView(
        'pakn.ticket.contribute.start',
        'pakn_helpdesk.ticket_contribute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Contribute", 'contribute', 'tryton-ok', default=True),
            ])
    contribute = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        User = pool.get('res.user')
        units = set(User.get_pakn_units())
        candidates = [
            u.id for u in self.record.coordinating_units if u.id in units]
        return {
            'ticket': self.record.id,
            'units': candidates,
            'unit': candidates[0] if len(candidates) == 1 else None,
            }

    def transition_contribute(self):
        pool = Pool()
        User = pool.get('res.user')
        Contribution = pool.get('pakn.ticket.contribution')
        Ticket = pool.get('pakn.ticket')
        ticket = self.record
        user_id = Transaction().user
        unit = self.start.unit
        if (ticket.state not in {'forwarded', 'processing', 'waiting_approval'}
                or ticket.state_secret):
            return 'end'
        if (not unit or unit not in ticket.coordinating_units
                or (user_id and unit.id not in User.get_pakn_units())):
            raise TicketRoleError(gettext(
                    'pakn_helpdesk.msg_ticket_not_coordinating',
                    ticket=ticket.rec_name))
        content = ticket.require_text(
            self.start.content, 'msg_ticket_contribution_required')
        with without_check_access():
            Contribution.create([{
                        'ticket': ticket.id,
                        'unit': unit.id,
                        'user': user_id or None,
                        'date': now(),
                        'content': content,
                        }])
        Ticket.write_events(
            [ticket], 'contributed', ticket.state, note=content,
            unit=unit.id)
        return 'end'


class TicketContributeStart(ModelView):
    __name__ = 'pakn.ticket.contribute.start'
    __string__ = "PAKN Contribute"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    units = fields.Many2Many(
        'pakn.unit', None, None, "Units", readonly=True)
    unit = fields.Many2One(
        'pakn.unit', "Coordinating Unit", required=True,
        domain=[('id', 'in', Eval('units', []))])
    content = fields.Text("Contribution", required=True)


class TicketCorrectIntake(Wizard):
    "Correct the intake data of a case, with a reason"
    __name__ = 'pakn.ticket.correct_intake'
    start = StateView(
        'pakn.ticket.correct_intake.start',
        'pakn_helpdesk.ticket_correct_intake_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Correct", 'correct', 'tryton-ok', default=True),
            ])
    correct = StateTransition()

    def default_start(self, fields):
        ticket = self.record
        values = {'ticket': ticket.id}
        for name in INTAKE_FIELDS:
            value = getattr(ticket, name)
            values[name] = value.id if isinstance(value, ModelStorage) \
                else value
        return values

    def transition_correct(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Ticket.apply_intake_correction(self.record, {
                n: getattr(self.start, n) for n in INTAKE_FIELDS},
            self.start.reason)
        return 'end'


class TicketCorrectIntakeStart(ModelView):
    __name__ = 'pakn.ticket.correct_intake.start'
    __string__ = "PAKN Correct Intake Data"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    channel = fields.Many2One('pakn.channel', "Channel", required=True)
    received_at = fields.DateTime("Received at", required=True)
    recording_ref = fields.Char("Call Recording")
    submitter_type = fields.Selection([
            ('person', "Person"),
            ('organisation', "Organisation"),
            ], "Submitter Type", required=True)
    submitter_name = fields.Char("Full Name", required=True)
    submitter_address = fields.Char("Contact Address")
    submitter_phone = fields.Char("Phone", required=True)
    submitter_email = fields.Char("Email")
    content = fields.Text("Content", required=True)
    matter_place = fields.Char("Place of the Matter")
    matter_time = fields.DateTime("Time of the Matter")
    reason = fields.Text(
        "Reason", required=True,
        help="Why the data given by the submitter are corrected: it is "
        "kept in the history with the old and new values.")


class TicketConfidentiality(Wizard):
    "Mark a case confidential, or lift its confidentiality"
    __name__ = 'pakn.ticket.confidentiality'
    start = StateView(
        'pakn.ticket.confidentiality.start',
        'pakn_helpdesk.ticket_confidentiality_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Confirm", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        return {
            'ticket': self.record.id,
            'confidential': not self.record.confidential,
            }

    def transition_apply(self):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        Ticket.change_confidentiality(
            self.record, not self.record.confidential, self.start.reason)
        return 'end'


class TicketConfidentialityStart(ModelView):
    __name__ = 'pakn.ticket.confidentiality.start'
    __string__ = "PAKN Change Confidentiality"
    ticket = fields.Many2One('pakn.ticket', "Case", readonly=True)
    confidential = fields.Boolean(
        "Confidential", readonly=True,
        help="The case after the change: confidential (never published, "
        "withdrawn from the portal if it was) or not.")
    reason = fields.Text(
        "Reason", states={'required': ~Eval('confidential')},
        help="Required to lift the confidentiality.")
