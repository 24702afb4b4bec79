# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reports on schedule (HP2024 Đ13 k6): once a week, a month or a
quarter has ended, its report is produced for the province, sent to the
office, and for each unit that has leaders (with its sub-units), sent to
its leaders, by email with the file in XLSX and in PDF attached, and
announced by SMS (pakn_sms) to those with a mobile number.

The cron runs daily; the first run within CATCH_UP of the end of a period
produces the reports of that period. A report is produced once: a
scheduled report of the same kind, period and unit already recorded is
skipped, so running the cron again produces nothing more.

Each email is a mailing (pakn.report.mailing: report × recipient), sent
at most once, in the manner of the SMS outbox:

- the reports and their mailings are written in a transaction of their
  own, committed before any email leaves;
- the sender marks a mailing `sending` and commits before it hands the
  email to the SMTP server, then saves the outcome in another
  transaction: `sent` (and the SMS announcing it queued in that
  transaction), or, when the server refused it for now (4xx, no
  connection), `queued` again for the next run, up to MAX_ATTEMPTS, or
  `failed` when it refused it for good (5xx);
- an email whose outcome is unknown (the connection lost during the
  SMTP transaction, or a mailing left `sending` because the worker died)
  may have been delivered: it is `failed` with the reason, never sent
  again blindly (trytond.sendmail.send_message would send it again on a
  lost connection, hence smtplib directly)."""
import datetime as dt
import logging
import mimetypes
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from trytond import config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.pakn_helpdesk.common import now, step, to_local
from trytond.modules.pakn_helpdesk.model import ServerOnlyMixin
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import get_smtp_server
from trytond.transaction import Transaction, without_check_access
from trytond.url import host

from . import compose, report
from .reporting import FORMATS

logger = logging.getLogger(__name__)

# The periods reported on schedule
SCHEDULED = ['week', 'month', 'quarter']
# How long after its end a period is still reported (missed runs)
CATCH_UP = dt.timedelta(days=3)
# The formats of the files sent: the first is the report's own
SCHEDULED_FORMATS = ('xlsx', 'pdf')
SCHEDULED_BREAKDOWNS = ('unit', 'field', 'channel')
# How many runs (days) an email refused for now is tried
MAX_ATTEMPTS = 5
MAILING_STATES = [
    ('queued', "Queued"),
    ('sending', "Sending"),
    ('sent', "Sent"),
    ('failed', "Failed"),
    ]
BODY = (
    'Kính gửi %(name)s,\n\n'
    'Hệ thống tiếp nhận, xử lý phản ánh, kiến nghị gửi kèm theo thư này '
    '%(title)s (tệp %(files)s).\n\n'
    'Thư này được gửi tự động, vui lòng không trả lời.\n')
SMS = ('Tổng đài 1022: báo cáo %(period)s%(unit)s đã được gửi đến '
    'email %(email)s.')


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




def close(server):
    "Close the connection to the SMTP server, if any"
    if server is None:
        return
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def connect(server):
    "A live connection to the SMTP server: server, or a new one"
    if server is not None:
        try:
            if server.noop()[0] == 250:
                return server
        except (smtplib.SMTPException, OSError):
            pass
        close(server)
    return get_smtp_server(strict=True)


def refused(error):
    """Whether the SMTP server answered that it does not take the email:
    it has not got it"""
    return isinstance(error, (
            smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException))


def permanent(error):
    "Whether the SMTP server refused for good (5xx), not for now"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


class Report(metaclass=PoolMeta):
    __name__ = 'pakn.report'

    scheduled = fields.Boolean(
        "Scheduled", help="Produced and sent on schedule.")

    @classmethod
    def default_scheduled(cls):
        return False

    @classmethod
    def send_scheduled(cls):
        """Produce the reports of the periods that have just ended, then
        send the emails queued: theirs and those refused for now by an
        earlier run (cron)"""
        pool = Pool()
        Mailing = pool.get('pakn.report.mailing')
        today = to_local(now()).date()
        with without_check_access():
            with step():
                for kind, first, start, end in due_periods(today):
                    for unit, users in cls._scheduled_recipients():
                        cls._produce_scheduled(
                            kind, first, start, end, unit, users)
            Mailing.send_queued()

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
    def _produce_scheduled(cls, kind, first, start, end, unit, users):
        """Produce the report of the period and unit once, in each of
        SCHEDULED_FORMATS, and queue its mailings"""
        pool = Pool()
        Mailing = pool.get('pakn.report.mailing')
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
                    'format': SCHEDULED_FORMATS[0],
                    }])
        # The other formats from the same record, never saved: the report's
        # own format is produced last, so it stays the record's file
        others = []
        for format_ in reversed(SCHEDULED_FORMATS[1:]):
            other = cls(record.id)
            other.format = format_
            others.append(other)
        cls.produce(others + [record])
        Mailing.create([{
                    'report': record.id,
                    'user': u.id,
                    'email': u.email,
                    } for u in users if u.email])

    def mail_files(self):
        """The files of the report to attach (the latest of each name),
        in the order of the formats"""
        files = {}
        for attachment in self.attachments():
            files.setdefault(attachment.name, attachment)
        order = [f for f, _ in FORMATS]

        def key(attachment):
            extension = attachment.name.rsplit('.', 1)[-1]
            return (order.index(extension) if extension in order
                else len(order), attachment.name)
        return sorted(files.values(), key=key)

    def mail_title(self):
        "The title of the report: its subject"
        words = [compose.TITLE, compose.period_text(
                self.start, self.end, self.kind)]
        if self.unit:
            words.append(self.unit.rec_name)
        return ' – '.join(words)

    def mail_message(self, name, address):
        "The email of the report to name at address, its files attached"
        title = self.mail_title()
        files = self.mail_files()
        msg = EmailMessage()
        msg['From'] = config.get('email', 'from')
        msg['To'] = formataddr((name, address))
        msg['Subject'] = title
        msg['Date'] = formatdate()
        msg['Message-ID'] = make_msgid(domain=host())
        msg.set_content(BODY % {
                'name': name,
                'title': title[:1].lower() + title[1:],
                'files': ', '.join(a.name for a in files),
                })
        for attachment in files:
            maintype, subtype = mimetypes.guess_type(
                attachment.name)[0].split('/')
            msg.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype,
                filename=attachment.name)
        return msg

    def sms_text(self, mailing):
        "The SMS announcing that the report was sent by mailing"
        period = compose.period_text(self.start, self.end, self.kind)
        return SMS % {
            'period': period[:1].lower() + period[1:],
            'unit': ' – %s' % self.unit.rec_name if self.unit else '',
            'email': mailing.email,
            }


class Mailing(ServerOnlyMixin, ModelSQL, ModelView):
    "The email of a scheduled report to one recipient, sent at most once"
    __name__ = 'pakn.report.mailing'
    __string__ = "PAKN Report Mailing"
    _rec_name = 'email'
    _server_only_message = 'pakn_report.msg_mailing_server_only'

    report = fields.Many2One(
        'pakn.report', "Report", required=True, readonly=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "Recipient", required=True, readonly=True,
        ondelete='RESTRICT')
    email = fields.Char(
        "Email", required=True, readonly=True,
        help="The recipient's address when the report was produced.")
    state = fields.Selection(
        MAILING_STATES, "State", required=True, readonly=True, sort=False)
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    sent_at = fields.DateTime("Sent at", readonly=True)
    last_error = fields.Text("Last Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('report_user_unique', Unique(t, t.report, t.user),
                'pakn_report.msg_mailing_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.id, Index.Range()),
                where=t.state.in_(['queued', 'sending'])))
        cls._order = [('id', 'DESC')]

    @staticmethod
    def default_state():
        return 'queued'

    @staticmethod
    def default_attempts():
        return 0

    @classmethod
    def send_queued(cls):
        """Send the emails queued, each in a transaction of its own, at most
        once"""
        with step():
            cls._interrupted()
            ids = [m.id for m in cls.search([
                        ('state', '=', 'queued'),
                        ], order=[('id', 'ASC')])]
        server = None
        try:
            for mailing_id in ids:
                with step():
                    claimed = cls._claim(mailing_id)
                if claimed is None:
                    continue
                address, msg = claimed
                try:
                    server = connect(server)
                except (smtplib.SMTPException, OSError) as e:
                    # Not sent: no connection
                    server = None
                    with step():
                        cls._failed(mailing_id, e)
                    continue
                try:
                    server.send_message(msg, to_addrs=[address])
                except (smtplib.SMTPException, OSError) as e:
                    logger.info(
                        "report mailing %s not sent: %s", mailing_id, e)
                    close(server)
                    server = None
                    with step():
                        cls._failed(mailing_id, e, unknown=not refused(e))
                else:
                    with step():
                        cls._sent(mailing_id)
        finally:
            close(server)

    @classmethod
    def _interrupted(cls):
        """Fail the mailings left sending: the SMTP server may have them,
        sending again could send them twice"""
        mailings = cls.search([('state', '=', 'sending')])
        if mailings:
            cls.write(mailings, {
                    'state': 'failed',
                    'last_error': gettext(
                        'pakn_report.msg_mailing_interrupted'),
                    })

    @classmethod
    def _claim(cls, mailing_id):
        """Mark the mailing sending if it is still queued (a conditional
        UPDATE: two workers never claim the same); return its address and
        email, or None"""
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.state, table.attempts, table.write_date],
                ['sending', table.attempts + 1, now()],
                where=(table.id == mailing_id)
                & (table.state == 'queued')))
        if cursor.rowcount != 1:
            return None
        # Drop what the transaction cached of mailings
        transaction.counter += 1
        for cache in transaction.cache.values():
            cache.pop(cls.__name__, None)
        mailing = cls(mailing_id)
        return mailing.email, mailing.report.mail_message(
            mailing.user.name, mailing.email)

    @classmethod
    def _failed(cls, mailing_id, error, unknown=False):
        """Record the error of the mailing: queued again when the server
        refused it for now, failed when for good, after MAX_ATTEMPTS, or
        when the outcome is unknown (the email may have been sent)"""
        mailing = cls(mailing_id)
        values = {'last_error': str(error)}
        if unknown:
            values['state'] = 'failed'
            values['last_error'] = gettext(
                'pakn_report.msg_mailing_unknown', error=str(error))
        elif permanent(error) or mailing.attempts >= MAX_ATTEMPTS:
            values['state'] = 'failed'
        else:
            values['state'] = 'queued'
        cls.write([mailing], values)

    @classmethod
    def _sent(cls, mailing_id):
        mailing = cls(mailing_id)
        cls.write([mailing], {
                'state': 'sent',
                'sent_at': now(),
                'last_error': None,
                })
        mailing.announce()

    def announce(self):
        "Announce by SMS that the email was sent (pakn_sms)"
        pass


class MailingSMS(metaclass=PoolMeta):
    __name__ = 'pakn.report.mailing'

    def announce(self):
        from trytond.modules.pakn_sms.phone import is_mobile
        pool = Pool()
        Message = pool.get('pakn.sms.message')
        super().announce()
        # A number no longer valid must not undo the record of the email
        if is_mobile(self.user.pakn_mobile):
            Message.announce(
                self.report, self.report.sms_text(self),
                [self.user.pakn_mobile])


class Message(metaclass=PoolMeta):
    __name__ = 'pakn.sms.message'

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + ['pakn.report']


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('pakn.report|send_scheduled', "Send Scheduled Reports"))
