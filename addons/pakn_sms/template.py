# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import string

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.modules.pakn_helpdesk.common import to_local, to_utc, zone
from trytond.modules.pakn_helpdesk.lifecycle import EVENT_TYPES
from trytond.modules.pakn_helpdesk.model import IntegrityMixin
from trytond.pool import Pool
from trytond.transaction import without_check_access

from . import encoding
from .exceptions import TemplateValidationError
from .phone import is_mobile

RECIPIENTS = [
    ('focal_points', "Focal Points of the Unit"),
    ('leaders', "Head of the Unit"),
    ('office', "Supervising Office"),
    ('submitter', "Submitter"),
    ]
# What a template may say, with the example the back office shows
VARIABLES = {
    'code': "PAKN-2026-000123-K7Q",
    'content': "Đường Trần Hưng Đạo ngập sâu sau mưa, đề nghị…",
    'unit': "Sở Xây dựng",
    'deadline': "16:30 25/11/2026",
    'promised': "17:00 04/12/2026",
    'reason': "Nội dung thuộc thẩm quyền giải quyết khiếu nại",
    'request': "Đề nghị cho biết số nhà cụ thể",
    'link': "https://1022.example.gov.vn/tra-cuu/PAKN-2026-000123-K7Q",
    'hotline': "Tổng đài dịch vụ công 1022",
    'stage': "Đầu mối trả lời",
    }


class Template(IntegrityMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pakn.sms.template'
    __string__ = "SMS Template"

    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True, strip=True)
    event_type = fields.Selection(
        EVENT_TYPES, "Event", required=True, sort=False,
        help="The step of a case that sends this message.")
    recipients = fields.Selection(
        RECIPIENTS, "Recipients", required=True, sort=False,
        help="Staff numbers come from the users' mobiles, or the unit's "
        "phone when it is a mobile; the citizen's from the case.")
    body = fields.Text(
        "Text", required=True,
        help="Variables: ${code}, ${content} (shortened), ${unit}, "
        "${deadline}, ${promised}, ${reason}, ${request}, ${link}, "
        "${hotline}, ${stage}.")
    content_length = fields.Integer(
        "Content Length", required=True,
        domain=[('content_length', '>=', 0)],
        help="How many characters of the case's content ${content} keeps.")
    quiet_start = fields.Time(
        "Quiet from",
        help="Messages created at night wait for the morning; urgent "
        "incidents go at once. Leave both empty to send at any hour.")
    quiet_end = fields.Time("Quiet until")
    validity = fields.Integer(
        "Validity (hours)", required=True, domain=[('validity', '>', 0)],
        help="A message not sent within this time expires instead of "
        "arriving late.")

    preview = fields.Function(fields.Text("Preview"), 'on_change_with_preview')
    preview_encoding = fields.Function(
        fields.Char("Encoding"), 'on_change_with_preview_encoding')
    preview_segments = fields.Function(
        fields.Integer("Segments"), 'on_change_with_preview_segments')
    preview_cost = fields.Function(
        fields.Integer("Cost per Recipient (VND)"),
        'on_change_with_preview_cost')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'pakn_sms.msg_template_code_unique'),
            ]
        cls._order.insert(0, ('event_type', 'ASC'))

    @staticmethod
    def default_content_length():
        return 60

    @staticmethod
    def default_quiet_start():
        return dt.time(21, 0)

    @staticmethod
    def default_quiet_end():
        return dt.time(7, 0)

    @staticmethod
    def default_validity():
        return 24

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        for template in templates:
            template.check_body()
            if bool(template.quiet_start) != bool(template.quiet_end):
                raise TemplateValidationError(gettext(
                        'pakn_sms.msg_template_quiet', template=template.name))

    def check_body(self):
        unknown = set()
        for match in string.Template.pattern.finditer(self.body or ''):
            name = match.group('named') or match.group('braced')
            if match.group('invalid') is not None:
                unknown.add(match.group(0))
            elif name and name not in VARIABLES:
                unknown.add(name)
        if unknown:
            raise TemplateValidationError(gettext(
                    'pakn_sms.msg_template_variables', template=self.name,
                    names=', '.join(sorted(unknown)),
                    allowed=', '.join('${%s}' % v for v in VARIABLES)))

    # Preview and cost, with the example values and the province's gateway

    @fields.depends('body')
    def on_change_with_preview(self, name=None):
        try:
            return string.Template(self.body or '').substitute(VARIABLES)
        except (KeyError, ValueError):
            return None

    def _preview_measure(self):
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        text = self.on_change_with_preview()
        if text is None:
            return None, None, None
        gateway = Configuration(1).sms_gateway
        if gateway:
            text, encoding_, segments = gateway.prepare(text)
        else:
            text, encoding_, segments = encoding.prepare(text)
        return encoding_, segments, gateway

    @fields.depends('body', methods=['on_change_with_preview'])
    def on_change_with_preview_encoding(self, name=None):
        measure = self._preview_measure()
        return {'gsm7': "GSM 7-bit", 'ucs2': "UCS-2"}.get(measure[0])

    @fields.depends('body', methods=['on_change_with_preview'])
    def on_change_with_preview_segments(self, name=None):
        return self._preview_measure()[1]

    @fields.depends('body', methods=['on_change_with_preview'])
    def on_change_with_preview_cost(self, name=None):
        measure = self._preview_measure()
        if measure[1] is None:
            return None
        gateway = measure[2]
        return measure[1] * (gateway.price if gateway else 0)

    # Rendering for a case

    def render(self, ticket, event):
        return string.Template(self.body).substitute(
            self.get_variables(ticket, event))

    def get_variables(self, ticket, event):
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        timezone = zone(config.timezone)

        def local(instant):
            if not instant:
                return ''
            return to_local(instant, timezone).strftime('%H:%M %d/%m/%Y')

        content = ' '.join((ticket.content or '').split())
        if len(content) > self.content_length:
            content = content[:max(self.content_length - 1, 0)].rstrip() + '…'
        promised = None
        if event.type == 'extended' and event.content:
            promised = dt.datetime.fromisoformat(event.content)
        unit = event.unit or ticket.lead_unit
        return {
            'code': ticket.code or '',
            'content': content,
            'unit': unit.name if unit else '',
            'deadline': local(getattr(ticket, 'due', None)),
            'promised': local(promised),
            'reason': ' '.join((
                    (event.content if event.type == 'delay_explained'
                        else ticket.reject_reason) or '').split()),
            'request': ' '.join((ticket.clarification_request or '').split()),
            'link': ticket.get_tracking_link(),
            'hotline': config.hotline_name or '',
            'stage': event.note or '' if event.type == 'reminder' else '',
            }

    def get_recipients(self, ticket, event):
        "Return the E.164 mobile numbers the message goes to, in order"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        if self.recipients == 'submitter':
            numbers = [ticket.submitter_phone]
        else:
            unit = event.unit or ticket.lead_unit
            if self.recipients == 'office':
                units = Unit.search([('supervising_office', '=', True)])
            else:
                units = [unit] if unit else []
            if self.recipients == 'focal_points' and event.type == 'forwarded':
                units += list(ticket.coordinating_units)
            numbers = []
            for unit in units:
                people = (unit.leaders if self.recipients == 'leaders'
                    else unit.focal_points)
                mobiles = [u.pakn_mobile for u in people
                    if u.active and u.pakn_mobile]
                if not mobiles and unit.phone:
                    mobiles = [unit.phone]
                numbers += mobiles
        seen = set()
        result = []
        for number in numbers:
            if number and number not in seen and is_mobile(number):
                seen.add(number)
                result.append(number)
        return result

    def first_instant(self, instant, urgent=False):
        "The first instant from instant (naive UTC) outside quiet hours"
        if urgent or not self.quiet_start or not self.quiet_end:
            return instant
        return quiet_end_after(
            instant, self.quiet_start, self.quiet_end, _timezone())


def _timezone():
    "The province's timezone"
    with without_check_access():
        return zone()


def quiet_end_after(instant, start, end, timezone):
    """Return instant (naive UTC) or, when it falls in the quiet hours
    [start, end) of timezone, the end of those hours (naive UTC)"""
    local = to_local(instant, timezone)
    time = local.time().replace(tzinfo=None)
    if start <= end:
        quiet = start <= time < end
        day = local.date()
    else:
        quiet = time >= start or time < end
        day = local.date() + dt.timedelta(days=1) if time >= start else (
            local.date())
    if not quiet:
        return instant
    return to_utc(dt.datetime.combine(day, end), timezone)
