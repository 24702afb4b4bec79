# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import string

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Id

from .common import DEFAULT_TIMEZONE
from .model import IntegrityMixin

# KH2022 Annex I, with the answering unit named instead of
# "cơ quan chức năng".
ANSWER_TEMPLATE = (
    "Kính chào Ông/Bà!\n"
    "Phản ánh, kiến nghị của Ông/Bà được ${unit} trả lời như sau:\n"
    "${result}\n"
    "Chân thành cảm ơn phản ánh, kiến nghị của Ông/Bà và mong tiếp tục "
    "nhận được phản ánh, kiến nghị trong thời gian tới.\n"
    "Trân trọng./.\n"
    "${attachments}")
ATTACHMENTS_LINE = "Đính kèm: ${names}"


class Configuration(IntegrityMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'pakn.configuration'
    __string__ = "PAKN Configuration"

    province = fields.Char(
        "Province", help="The province or city running the hotline.")
    hotline_name = fields.Char(
        "Hotline Name", required=True,
        help="How the hotline names itself in the answers it gives "
        "directly.")
    timezone = fields.Char(
        "Timezone", required=True,
        help="The timezone of office hours and of the year in codes.")
    code_prefix = fields.Char(
        "Code Prefix", required=True, strip=True,
        help="The prefix of tracking codes, e.g. PAKN.")
    ticket_sequence = fields.Many2One(
        'ir.sequence', "Case Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('pakn_helpdesk', 'sequence_type_ticket')),
            ])
    calendar = fields.Many2One(
        'pakn.calendar', "Working Calendar", required=True,
        help="The office hours deadlines count in, unless a unit has its "
        "own calendar.")
    sla_profile = fields.Many2One(
        'pakn.sla.profile', "Regulation Profile", required=True,
        help="The deadlines of the province's regulation; a case keeps the "
        "profile it was received under.")
    answer_template = fields.Text(
        "Answer Template", required=True,
        help="The Annex I template: ${unit} is the answering unit, "
        "${result} the result content, ${attachments} the list of "
        "attached evidence.")
    attachments_line = fields.Char(
        "Attachments Line", required=True,
        help="The line listing the evidence: ${names}.")
    tracking_url = fields.Char(
        "Tracking Link",
        help="The public page of a case, sent to the citizen: ${code} is "
        "its tracking code.")

    @staticmethod
    def default_tracking_url():
        # the tracking page of the portal (pakn_portal's site) as make demo
        # serves it; a province sets its public address
        return 'http://localhost:5000/tra-cuu/${code}'

    @staticmethod
    def default_hotline_name():
        return "Tổng đài dịch vụ công 1022"

    @staticmethod
    def default_timezone():
        return DEFAULT_TIMEZONE

    @staticmethod
    def default_code_prefix():
        return 'PAKN'

    @staticmethod
    def default_answer_template():
        return ANSWER_TEMPLATE

    @staticmethod
    def default_attachments_line():
        return ATTACHMENTS_LINE

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.tracking_url:
                try:
                    record.get_tracking_link('X')
                except (KeyError, ValueError):
                    raise ValidationError(gettext(
                            'pakn_helpdesk.msg_tracking_url',
                            url=record.tracking_url))

    def get_tracking_link(self, code):
        """The address of the public page of the case of the code, '' when
        no tracking link is set (pakn.ticket get_tracking_link)"""
        if not self.tracking_url:
            return ''
        return string.Template(self.tracking_url).substitute(code=code)

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'write' and 'calendar' in field_names:
            # the cases of units without a calendar of their own count on
            # the province's: count them again (queued)
            Pool().get('pakn.ticket.deadline').recompute()

    @classmethod
    def default_calendar(cls):
        return _data_id('calendar_province')

    @classmethod
    def default_sla_profile(cls):
        return _data_id('sla_profile_kh2022')

    @classmethod
    def default_ticket_sequence(cls):
        return _data_id('sequence_ticket')


def _data_id(xml_id):
    """The id of the record of the module's data named xml_id; None while
    the module's data is not loaded yet"""
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    try:
        return ModelData.get_id('pakn_helpdesk', xml_id)
    except KeyError:
        return None
