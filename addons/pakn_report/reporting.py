# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The report record (pakn.report) and the wizard "Báo cáo" that produces
it: the parameters of a report (period, unit, breakdowns, format) kept
with the file produced, an attachment of the record, so that the same
numbers can be produced again. The office and the administrators report
on every unit, a leader on the units they lead and their sub-units."""
import datetime as dt
import re

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pakn_helpdesk.common import (
    now,
    strip_diacritics,
    to_local,
    to_utc,
)
from trytond.modules.pakn_helpdesk.model import IntegrityMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from . import compose, output, report
from .exceptions import ReportAccessError, ReportValidationError

PERIOD_NAMES = {
    'week': "Week",
    'month': "Month",
    'quarter': "Quarter",
    'half_year': "Half-Year",
    'year': "Year",
    }
KINDS = [(k, PERIOD_NAMES[k]) for k in report.PERIODS] + [
    ('custom', "From–To")]
BREAKDOWNS = [
    ('unit', "Unit"),
    ('field', "Field"),
    ('category', "Category"),
    ('channel', "Channel"),
    ('unit_field', "Unit and Field"),
    ]
FORMATS = [
    ('xlsx', "Excel (XLSX)"),
    ('pdf', "PDF"),
    ('csv', "CSV"),
    ]
WRITERS = {
    'xlsx': output.to_xlsx,
    'pdf': output.to_pdf,
    'csv': output.to_csv,
    }
# The words of the file names (without diacritics), by kind
FILE_KINDS = {
    'week': 'tuan',
    'month': 'thang',
    'quarter': 'quy',
    'half_year': '6-thang',
    'year': 'nam',
    }
# The fields of ReportParameters
PARAMETERS = [
    'kind', 'date', 'from_date', 'to_date', 'unit', 'include_subunits',
    'breakdowns', 'format',
    ]
# The longest period of a report and the years a period may lie in: a
# period is a month query each for its series, and a forged date must not
# make the server count for hours or overflow the calendar
MAX_DAYS = 5 * 366
YEARS = (1900, 2999)
# The groups that report on every unit
PROVINCE_GROUPS = ['group_office', 'group_admin']


class ReportParameters(ModelView):
    "The parameters of a report, shared by the record and the wizard"
    __slots__ = ()

    kind = fields.Selection(KINDS, "Period", required=True, sort=False)
    date = fields.Date(
        "Date", states={
            'required': Eval('kind') != 'custom',
            'invisible': Eval('kind') == 'custom',
            },
        help="A day of the period.")
    from_date = fields.Date(
        "From", states={
            'required': Eval('kind') == 'custom',
            'invisible': Eval('kind') != 'custom',
            })
    to_date = fields.Date(
        "To", states={
            'required': Eval('kind') == 'custom',
            'invisible': Eval('kind') != 'custom',
            },
        help="The last day of the period, included.")
    unit = fields.Many2One(
        'pakn.unit', "Unit", ondelete='RESTRICT',
        help="Leave empty for the whole province.")
    include_subunits = fields.Boolean(
        "Include Sub-Units", states={'invisible': ~Eval('unit')})
    breakdowns = fields.MultiSelection(
        BREAKDOWNS, "Breakdowns", required=True, sort=False)
    format = fields.Selection(FORMATS, "Format", required=True, sort=False)

    @classmethod
    def default_kind(cls):
        return 'month'

    @classmethod
    def default_include_subunits(cls):
        return True

    @classmethod
    def default_breakdowns(cls):
        return ('unit', 'field', 'channel')

    @classmethod
    def default_format(cls):
        return 'xlsx'

    def get_bounds(self):
        "The naive UTC bounds [start, end) of the period"
        dates = ([self.from_date, self.to_date] if self.kind == 'custom'
            else [self.date])
        if any(not (YEARS[0] <= d.year <= YEARS[1]) for d in dates) or (
                self.kind == 'custom'
                and (self.to_date - self.from_date).days >= MAX_DAYS):
            raise ReportValidationError(gettext(
                    'pakn_report.msg_report_period_limits',
                    first=YEARS[0], last=YEARS[1], years=MAX_DAYS // 366))
        if self.kind == 'custom':
            if self.to_date < self.from_date:
                raise ReportValidationError(
                    gettext('pakn_report.msg_report_dates'))
            return (to_utc(self.from_date),
                to_utc(self.to_date + dt.timedelta(days=1)))
        return report.period_bounds(self.kind, self.date)

    def get_units(self):
        "The ids of the units reported on; None for the whole province"
        if not self.unit:
            return None
        if self.include_subunits:
            return report.unit_tree([self.unit.id])
        return {self.unit.id}


class Report(IntegrityMixin, ReportParameters, ModelSQL, ModelView):
    "A report produced: its parameters and its file (an attachment)"
    __name__ = 'pakn.report'
    __string__ = "PAKN Report"

    start = fields.DateTime("Start", help="The start of the period (UTC).")
    end = fields.DateTime(
        "End", help="The end of the period (UTC), excluded.")
    created_by = fields.Many2One(
        'res.user', "Created by", ondelete='RESTRICT')
    created_at = fields.DateTime("Created at")
    file = fields.Function(
        fields.Binary("File", filename='file_name'), 'get_file')
    file_name = fields.Function(fields.Char("File Name"), 'get_file')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A report is a record of what was produced: nothing changes it
        for name in dir(cls):
            field = getattr(cls, name)
            if not name.startswith('_') and isinstance(field, fields.Field):
                field.readonly = True
        cls._order = [('created_at', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'produce_again': {},
                })

    @classmethod
    def default_created_by(cls):
        return Transaction().user

    @classmethod
    def default_created_at(cls):
        return now()

    def get_rec_name(self, name):
        return self.file_stem()

    def file_stem(self):
        'The name of the file without extension: "bao-cao-thang-11-2026"'
        first = to_local(self.start).date()
        if self.kind == 'custom':
            last = to_local(self.end - dt.timedelta(seconds=1)).date()
            words = ['tu', first.strftime('%d-%m-%Y'),
                'den', last.strftime('%d-%m-%Y')]
        elif self.kind == 'week':
            words = [FILE_KINDS['week'], first.strftime('%d-%m-%Y')]
        elif self.kind == 'month':
            words = [FILE_KINDS['month'], '%02d' % first.month,
                str(first.year)]
        elif self.kind == 'quarter':
            words = [FILE_KINDS['quarter'], str((first.month - 1) // 3 + 1),
                str(first.year)]
        elif self.kind == 'half_year':
            words = [FILE_KINDS['half_year'],
                'dau' if first.month <= 6 else 'cuoi', 'nam',
                str(first.year)]
        else:
            words = [FILE_KINDS[self.kind], str(first.year)]
        if self.unit:
            words.append(self.unit.code)
        text = strip_diacritics('-'.join(['bao-cao'] + words)).lower()
        return re.sub(r'[^a-z0-9]+', '-', text).strip('-')

    def attachments(self):
        "The files produced for the report, the latest first"
        Attachment = Pool().get('ir.attachment')
        with without_check_access():
            return Attachment.search([
                    ('resource', '=', str(self)),
                    ], order=[('create_date', 'DESC'), ('id', 'DESC')])

    @classmethod
    def get_file(cls, reports, names):
        result = {n: {r.id: None for r in reports} for n in names}
        for record in reports:
            attachments = record.attachments()
            if not attachments:
                continue
            if 'file' in names:
                result['file'][record.id] = attachments[0].data
            if 'file_name' in names:
                result['file_name'][record.id] = attachments[0].name
        return result

    @classmethod
    def produce(cls, reports):
        """Compute the figures of each report and attach its file; the
        caller checks that the user may report on the unit"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        to_save = []
        for record in reports:
            title = None
            if record.unit:
                title = '%s - %s' % (compose.TITLE, record.unit.rec_name)
            group_bys = [k for k, _ in BREAKDOWNS
                if k in record.breakdowns]
            content = compose.make_report(
                record.start, record.end, group_bys=group_bys,
                units=record.get_units(), title=title,
                kind=None if record.kind == 'custom' else record.kind)
            to_save.append(Attachment(
                    resource=record,
                    name='%s.%s' % (record.file_stem(), record.format),
                    type='data',
                    data=WRITERS[record.format](content)))
        with without_check_access():
            Attachment.save(to_save)
        return to_save

    @classmethod
    @ModelView.button
    def produce_again(cls, reports):
        "Produce the file of the reports again, from the same parameters"
        for record in reports:
            check_unit(record.unit)
        cls.produce(reports)

    @classmethod
    def create_and_produce(cls, parameters):
        """Create the report of parameters (a ReportParameters) and produce
        its file, once the user may report on its unit"""
        check_unit(parameters.unit)
        start, end = parameters.get_bounds()
        values = {n: getattr(parameters, n) for n in PARAMETERS}
        values['unit'] = parameters.unit.id if parameters.unit else None
        if values['kind'] == 'custom':
            values['date'] = None
        else:
            values['from_date'] = values['to_date'] = None
        with without_check_access():
            record, = cls.create([{**values, 'start': start, 'end': end}])
        cls.produce([record])
        return record


def province_user():
    "Whether the user reports on every unit (the office, administrators)"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    if Transaction().user == 0:
        return True
    groups = set(User.get_groups())
    return any(ModelData.get_id('pakn_helpdesk', g) in groups
        for g in PROVINCE_GROUPS)


def led_units():
    """The ids of the units the user leads and of their sub-units: those a
    leader reports on (not the units they are a focal point of)"""
    pool = Pool()
    User = pool.get('res.user')
    with without_check_access():
        user = User(Transaction().user)
        return tuple(sorted(
                report.unit_tree([u.id for u in user.pakn_led_units])))


def check_unit(unit):
    """Refuse a report on unit (None: the whole province) that the user
    may not see"""
    if province_user():
        return
    led = led_units()
    if unit is None:
        raise ReportAccessError(gettext('pakn_report.msg_report_province'))
    if unit.id not in led:
        raise ReportAccessError(gettext(
                'pakn_report.msg_report_unit', unit=unit.rec_name))


class ReportCreateStart(ReportParameters, ModelView):
    "The parameters of a new report"
    __name__ = 'pakn.report.create.start'
    __string__ = "PAKN Report Parameters"

    @classmethod
    def default_date(cls):
        return to_local(now()).date()

    @classmethod
    def default_unit(cls):
        pool = Pool()
        User = pool.get('res.user')
        if province_user():
            return None
        with without_check_access():
            led = User(Transaction().user).pakn_led_units
        return led[0].id if led else None


class ReportCreate(Wizard):
    "Báo cáo: produce a report and open it"
    __name__ = 'pakn.report.create'
    start = StateView(
        'pakn.report.create.start',
        'pakn_report.report_create_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Produce", 'open_', 'tryton-ok', default=True),
            ])
    open_ = StateAction('pakn_report.act_report_form')

    def do_open_(self, action):
        pool = Pool()
        Report = pool.get('pakn.report')
        record = Report.create_and_produce(self.start)
        action['views'].reverse()
        return action, {'res_id': [record.id]}

    def transition_open_(self):
        return 'end'


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    # "pakn_led_units" in the rules of reports: the units the user leads
    # and their sub-units, as check_unit allows

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if 'pakn.report' in model_names:
            key = (*key, led_units())
        return key

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name == 'pakn.report':
            context['pakn_led_units'] = led_units()
        return context
