# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reports on schedule (HP2024 Đ13 k6): once a week, a month or a
quarter has ended, its report is produced for the province, sent to the
office, and for each unit that has leaders (with its sub-units), sent to
its leaders, by email with the file attached.

The cron runs daily; the first run within CATCH_UP of the end of a period
produces the reports of that period. A report is produced once: a
scheduled report of the same kind, period and unit already recorded is
skipped, so running the cron again sends nothing more. The emails leave
with the commit of the transaction (trytond.sendmail's data manager), so
a rolled back run sends nothing and records nothing."""
import datetime as dt
import mimetypes
from email.message import EmailMessage
from email.utils import formataddr

from trytond import config
from trytond.model import fields
from trytond.modules.pakn_helpdesk.common import now, to_local
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.transaction import without_check_access

from . import compose, report

# The periods reported on schedule
SCHEDULED = ['week', 'month', 'quarter']
# How long after its end a period is still reported (missed runs)
CATCH_UP = dt.timedelta(days=3)
SCHEDULED_FORMAT = 'xlsx'
SCHEDULED_BREAKDOWNS = ('unit', 'field', 'channel')
BODY = (
    'Kính gửi %(name)s,\n\n'
    'Hệ thống tiếp nhận, xử lý phản ánh, kiến nghị gửi kèm theo thư này '
    '%(title)s (tệp %(file)s).\n\n'
    'Thư này được gửi tự động, vui lòng không trả lời.\n')


def due_periods(today, timezone=None):
    """The (kind, first day, start, end) of the scheduled periods whose
    report is due on today (a local date): those that ended less than
    CATCH_UP before today"""
    result = []
    for kind in SCHEDULED:
        current, _ = report.period_bounds(kind, today, timezone)
        first_current = to_local(current, timezone).date()
        if today - first_current >= CATCH_UP:
            continue
        first = first_current - dt.timedelta(days=1)
        start, end = report.period_bounds(kind, first, timezone)
        first = to_local(start, timezone).date()
        result.append((kind, first, start, end))
    return result


class Report(metaclass=PoolMeta):
    __name__ = 'pakn.report'

    scheduled = fields.Boolean(
        "Scheduled", help="Produced and sent on schedule.")

    @classmethod
    def default_scheduled(cls):
        return False

    @classmethod
    def send_scheduled(cls):
        """Produce and send the reports of the periods that have just
        ended (cron)"""
        today = to_local(now()).date()
        with without_check_access():
            for kind, first, start, end in due_periods(today):
                for unit, users in cls._scheduled_recipients():
                    cls._send_scheduled(kind, first, start, end, unit, users)

    @classmethod
    def _scheduled_recipients(cls):
        """The units reported on schedule (None: the province) with the
        users their report is sent to"""
        pool = Pool()
        User = pool.get('res.user')
        Unit = pool.get('pakn.unit')
        ModelData = pool.get('ir.model.data')
        office = User.search([
                ('groups', '=', ModelData.get_id(
                        'pakn_helpdesk', 'group_office')),
                ], order=[('id', 'ASC')])
        yield None, office
        for unit in Unit.search([
                    ('leaders', '!=', None),
                    ], order=[('code', 'ASC'), ('id', 'ASC')]):
            yield unit, [u for u in unit.leaders if u.active]

    @classmethod
    def _send_scheduled(cls, kind, first, start, end, unit, users):
        "Produce the report of the period and unit once, and send it"
        unit_id = unit.id if unit else None
        if cls.search([
                    ('scheduled', '=', True),
                    ('kind', '=', kind),
                    ('start', '=', start),
                    ('unit', '=', unit_id),
                    ], limit=1, order=[]):
            return
        record, = cls.create([{
                    'scheduled': True,
                    'kind': kind,
                    'date': first,
                    'start': start,
                    'end': end,
                    'unit': unit_id,
                    'include_subunits': True,
                    'breakdowns': SCHEDULED_BREAKDOWNS,
                    'format': SCHEDULED_FORMAT,
                    }])
        attachment, = cls.produce([record])
        for user in users:
            if user.email:
                record.send_mail(attachment, user)

    def mail_title(self):
        "The title of the report: its subject"
        words = [compose.TITLE, compose.period_text(
                self.start, self.end, self.kind)]
        if self.unit:
            words.append(self.unit.rec_name)
        return ' – '.join(words)

    def send_mail(self, attachment, user):
        "Send the file of attachment to user, at the commit"
        title = self.mail_title()
        msg = EmailMessage()
        msg['From'] = config.get('email', 'from')
        msg['To'] = formataddr((user.name, user.email))
        msg['Subject'] = title
        msg.set_content(BODY % {
                'name': user.name,
                'title': title[:1].lower() + title[1:],
                'file': attachment.name,
                })
        maintype, subtype = mimetypes.guess_type(
            attachment.name)[0].split('/')
        msg.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype,
            filename=attachment.name)
        send_message_transactional(msg, to_addrs=[user.email])


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('pakn.report|send_scheduled', "Send Scheduled Reports"))
