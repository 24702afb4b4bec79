# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Regulation profiles: the deadlines a province's rules set, as data.

A profile lists the stages a case goes through with their durations, the
clock they count on, the event that starts them, the event that meets them
and what happens when they expire; plus the extension (reschedule) policy,
the rating scale and an urgent track. The presets of data/sla_profiles.xml
cite the article each figure comes from (doc/regulations.rst lists them
with the reading of each ambiguous one)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin,
    Index,
    ModelSQL,
    ModelView,
    Unique,
    fields,
    sequence_ordered,
)
from trytond.pyson import Eval

from .common import search_code_or_name
from .exceptions import SLAValidationError
from .model import IntegrityMixin

ROLES = [
    ('operator', "Operator"),
    ('focal_point', "Focal Point"),
    ('head', "Unit Head"),
    ('unit', "Handling Unit"),
    ('office', "Supervising Office"),
    ]
DURATION_UNITS = [
    ('working_hour', "Working Hours"),
    ('working_day', "Working Days"),
    ('hour', "Hours"),
    ('day', "Days"),
    ]
EVENTS = [
    ('received', "Received"),
    ('clarification', "Clarification Requested"),
    ('resubmitted', "Received Again"),
    ('checked', "Intake Checked"),
    ('forwarded', "Forwarded to the Unit"),
    ('accepted', "Accepted by the Unit"),
    ('returned', "Returned as Not Competent"),
    ('escalated', "Escalated to the Unit Head"),
    ('fixed', "Temporary Fix Recorded"),
    ('submitted', "Answer Submitted for Approval"),
    ('sent_back', "Sent Back"),
    ('approved', "Answer Approved"),
    ('answered', "Answer Delivered"),
    ('reported', "Reported to the Supervising Office"),
    ]
OPTIONAL_EVENTS = [(None, "")] + EVENTS
EXTENSION_FROM = [
    ('now', "The Request"),
    ('due', "The Current Due Instant"),
    ('start', "The Start of the Stage"),
    ]
EXPIRY_ACTIONS = [
    (None, ""),
    ('escalate_head', "Escalate to the Unit Head"),
    ('forward_office', "Forward to the Supervising Office"),
    ('mark_overdue', "Mark Overdue"),
    ('notify', "Notify"),
    ]
RATING_SCALES = [
    (None, ""),
    ('satisfied_acceptable', "Satisfied / Acceptable / Not Satisfied"),
    ('very_satisfied', "Very Satisfied / Satisfied / Not Satisfied"),
    ]


class Profile(IntegrityMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pakn.sla.profile'
    __string__ = "PAKN Regulation Profile"

    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True, strip=True)
    regulation = fields.Text(
        "Regulation", help="The regulation the figures come from.")
    valid_from = fields.Date("Valid from")
    valid_to = fields.Date(
        "Valid to", domain=['OR',
            ('valid_to', '=', None),
            ('valid_to', '>=', Eval('valid_from', None)),
            ])
    stages = fields.One2Many('pakn.sla.stage', 'profile', "Stages")
    extension_max = fields.Integer(
        "Extensions at Most",
        help="How many times the unit may reschedule; empty for no limit.")
    extension_lengths = fields.Char(
        "Extension Lengths",
        help="The working days each extension may add, in order and "
        "separated by commas (e.g. 2, 1, 1); empty when the unit sets the "
        "length.")
    extension_cap = fields.Float(
        "Extension Cap", digits=(3, 1),
        help="The most working days the processing may last with its "
        "extensions, counted from the acceptance; empty for no cap.")
    extension_reminder = fields.Float(
        "Reminder before Extension Ends", digits=(3, 1),
        help="The hours before the end of an extension at which the unit "
        "is reminded; empty for none.")
    extension_stage = fields.Char(
        "Extended Stage", strip=True,
        help="The code of the stage an extension (reschedule) extends; "
        "empty for no extension.")
    extension_from = fields.Selection(
        EXTENSION_FROM, "Extension Counted from", sort=False,
        help="The instant the days of an extension are added to.")
    extension_length_max = fields.Float(
        "Extension Length at Most", digits=(3, 1),
        help="The most working days one extension may add; empty for no "
        "limit.")
    extension_cap_stage = fields.Char(
        "Extension Capped by", strip=True,
        help="The code of a stage whose due instant no extension may pass.")
    extension_requires_complex = fields.Boolean(
        "Extension for Complex Cases Only",
        help="An extension needs the case marked complex (several sectors, "
        "fields or units) with a reason.")
    extension_on_expiry = fields.Selection(
        EXPIRY_ACTIONS, "At the End of an Extension", sort=False,
        help="What happens when an extension ends unmet; empty for the "
        "action of the extended stage.")
    delay_reason_required = fields.Boolean(
        "Reason for Delay Required",
        help="A late case handled by several units asks the lead unit for "
        "the reason, reported to the office and shown to the submitter.")
    previous = fields.Many2One(
        'pakn.sla.profile', "Replaces", ondelete='RESTRICT',
        help="The profile this one follows: a case received before this "
        "profile's validity gets the one it replaces.")
    overdue_label = fields.Char(
        "Overdue Label", help="How the regulation names an overdue case.")
    rating_scale = fields.Selection(
        RATING_SCALES, "Rating Scale", sort=False)
    rating_reason_required = fields.Boolean(
        "Reason for Dissatisfaction Required")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'pakn_helpdesk.msg_sla_profile_code_unique'),
            ]
        cls._order = [('code', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_rating_reason_required():
        return False

    @staticmethod
    def default_extension_from():
        return 'now'

    @staticmethod
    def default_extension_requires_complex():
        return False

    @staticmethod
    def default_delay_reason_required():
        return False

    @classmethod
    def copy(cls, profiles, default=None):
        """A copy takes the code followed by the first free number
        ("DN2017-1"), so that a province configures its own profile from a
        preset with the client's Duplicate"""
        default = default.copy() if default is not None else {}
        if 'code' not in default:
            taken = set()

            def code(data):
                number = 1
                while True:
                    candidate = f"{data['code']}-{number}"
                    if candidate not in taken and not cls.search(
                            [('code', '=', candidate)], limit=1):
                        taken.add(candidate)
                        return candidate
                    number += 1
            default['code'] = code
        return super().copy(profiles, default=default)

    def is_valid_on(self, date):
        return ((not self.valid_from or self.valid_from <= date)
            and (not self.valid_to or date <= self.valid_to))

    def valid_on(self, date):
        """Return the profile of the chain of this one (through previous)
        valid on the date; this one if none is"""
        profile, seen = self, set()
        while profile and profile.id not in seen:
            if profile.is_valid_on(date):
                return profile
            seen.add(profile.id)
            profile = profile.previous
        return self

    def get_rec_name(self, name):
        return '%s - %s' % (self.code, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        return search_code_or_name(clause)

    @classmethod
    def validate_fields(cls, profiles, field_names):
        super().validate_fields(profiles, field_names)
        for profile in profiles:
            lengths = profile.get_extension_lengths()
            if (lengths and profile.extension_max is not None
                    and len(lengths) != profile.extension_max):
                raise SLAValidationError(gettext(
                        'pakn_helpdesk.msg_sla_extension_lengths',
                        profile=profile.rec_name))

    def get_extension_lengths(self):
        "Return the working days of each extension, in order"
        if not self.extension_lengths:
            return []
        try:
            return [float(x.replace(',', '.'))
                for x in self.extension_lengths.split(',') if x.strip()]
        except ValueError:
            raise SLAValidationError(gettext(
                    'pakn_helpdesk.msg_sla_extension_lengths',
                    profile=self.rec_name))

    def stages_of(self, track='normal'):
        "Return the stages of the track, falling back on the normal one"
        stages = [s for s in self.stages if s.track == track]
        if not stages and track != 'normal':
            stages = [s for s in self.stages if s.track == 'normal']
        return stages


class Stage(IntegrityMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'pakn.sla.stage'
    __string__ = "PAKN Deadline Stage"

    profile = fields.Many2One(
        'pakn.sla.profile', "Profile", required=True, ondelete='CASCADE')
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True)
    track = fields.Selection([
            ('normal', "Normal"),
            ('urgent', "Urgent Incident"),
            ], "Track", required=True)
    role = fields.Selection(ROLES, "Responsible", required=True, sort=False)
    duration = fields.Float("Duration", required=True, digits=(4, 2))
    duration_unit = fields.Selection(
        DURATION_UNITS, "Unit", required=True, sort=False)
    start_event = fields.Selection(
        EVENTS, "Starts at", required=True, sort=False)
    met_event = fields.Selection(
        EVENTS, "Met at", required=True, sort=False,
        help="The event that meets the deadline.")
    also_met_by = fields.MultiSelection(
        EVENTS, "Also Met at",
        help="Other events that meet the deadline.")
    on_expiry = fields.Selection(
        EXPIRY_ACTIONS, "On Expiry", sort=False)
    final = fields.Boolean(
        "Final Limit",
        help="Missing it makes the case late (trễ hạn) in the on-time "
        "figures.")
    pause_event = fields.Selection(
        OPTIONAL_EVENTS, "Paused at", sort=False,
        help="The event that stops the clock (the file is with the "
        "submitter).")
    resume_event = fields.Selection(
        OPTIONAL_EVENTS, "Resumed at", sort=False,
        states={'invisible': ~Eval('pause_event')})
    resume_mode = fields.Selection([
            ('resume', "With What Was Left"),
            ('restart', "In Full"),
            ], "Counts Again", sort=False,
        states={'invisible': ~Eval('pause_event')})
    reopen_event = fields.Selection(
        OPTIONAL_EVENTS, "Reopened at", sort=False,
        help="The event that undoes the meeting of the deadline (e.g. a "
        "send-back): it runs again to its due instant.")
    reminder_before = fields.Float(
        "Reminder before", digits=(4, 2),
        help="Hours before expiry at which the responsible is reminded.")
    article = fields.Char(
        "Article", help="The article of the regulation, e.g. Đ10 k1.")
    quote = fields.Text("Quote", help="The words of the regulation.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.profile, t.track, t.code),
                'pakn_helpdesk.msg_sla_stage_code_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.profile, Index.Range())))

    @staticmethod
    def default_track():
        return 'normal'

    @staticmethod
    def default_duration_unit():
        return 'working_hour'

    @staticmethod
    def default_final():
        return False

    @staticmethod
    def default_resume_mode():
        return 'resume'

    def is_met_by(self, event):
        return bool(event) and (
            event == self.met_event or event in (self.also_met_by or ()))

    @classmethod
    def validate_fields(cls, stages, field_names):
        super().validate_fields(stages, field_names)
        for stage in stages:
            if stage.duration <= 0:
                raise SLAValidationError(gettext(
                        'pakn_helpdesk.msg_sla_stage_duration',
                        stage=stage.rec_name))

    def due(self, start, calendar):
        """Return the due instant of the stage started at start (naive UTC)
        on the calendar (a WorkingTime)"""
        return add_duration(start, self.duration, self.duration_unit, calendar)


def add_duration(start, length, unit, calendar):
    """Return the instant when length in unit (DURATION_UNITS) has passed
    since start (naive UTC) on the calendar (a WorkingTime)"""
    if unit == 'working_hour':
        return calendar.add(start, dt.timedelta(hours=length))
    elif unit == 'working_day':
        return calendar.add(start, calendar.days(length))
    elif unit == 'hour':
        return start + dt.timedelta(hours=length)
    else:
        return start + dt.timedelta(days=length)


def remaining_duration(instant, due, unit, calendar):
    """Return (length, unit) of what is left of a count at instant: working
    time left in working hours for the working units, clock hours else"""
    if unit in {'working_hour', 'working_day'}:
        left = calendar.measure(instant, due)
        return left.total_seconds() / 3600, 'working_hour'
    return max((due - instant).total_seconds(), 0) / 3600, 'hour'
