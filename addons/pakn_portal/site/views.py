# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pages of the portal. Each view runs in one Tryton transaction
(read-only for GET); what a citizen sends is checked by the models, and a
refused submission rolls back everything it wrote."""
import datetime as dt
import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import filetype
from flask import (
    Blueprint, abort, current_app, g, make_response, redirect,
    render_template, request, session, url_for)
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape

from trytond.exceptions import UserError
from trytond.modules.pakn_helpdesk.common import normalize_text, now
from trytond.transaction import Transaction

from ..upload import ACCEPT
from . import limiter, tryton

blueprint = Blueprint('portal', __name__)

# Verified cases kept in the session (the last ones tracked)
TRACKED_MAX = 10
_statistics_cache = {}
# The fields, units and channels offered as filters change rarely
_choices_cache = {}
CHOICES_TTL = 300
MAX_PAGE = 500
# The longest reason of a rating, or follow-up question
ANSWER_LENGTH = 4000
# The longest texts of a submission, as the form's maxlength says
LENGTHS = {
    'submitter_name': 200,
    'submitter_address': 300,
    'submitter_phone': 30,
    'submitter_email': 200,
    'content': 20000,
    'matter_place': 300,
    }


def pool_get(name):
    return tryton.pool.get(name)


def load_site():
    "The province's name and hotline, for the page frame"
    Configuration = pool_get('pakn.configuration')
    config = Configuration(1)
    g.site = {
        'province': config.province,
        'hotline': config.hotline_name,
        'timezone': config.timezone,
        }
    return config


def submit_limit():
    return current_app.config['PORTAL_SUBMIT_LIMIT']


def track_limit():
    return current_app.config['PORTAL_TRACK_LIMIT']


def suggest_limit():
    return current_app.config['PORTAL_SUGGEST_LIMIT']


def choices(model):
    "(id, name) of the records of a short model, cached a few minutes"
    key = (current_app.name, Transaction().database.name, model,
        Transaction().language)
    cached = _choices_cache.get(key)
    if cached and time.monotonic() - cached[0] < CHOICES_TTL:
        return cached[1]
    Model = pool_get(model)
    result = [(r.id, r.name) for r in Model.search([], order=[
                ('sequence', 'ASC'), ('name', 'ASC'), ('id', 'ASC')]
            if 'sequence' in Model._fields else [('name', 'ASC')])]
    _choices_cache[key] = (time.monotonic(), result)
    return result


def text(name, limit=None, values=None):
    """The text of a form field (or of an argument), normalised (NFC,
    without control or format characters: the models normalise again, but
    the limits count what is stored), cut to the limit if given"""
    values = request.form if values is None else values
    return normalize_text(values.get(name, ''))[:limit]


def too_long(limit):
    return _("This is longer than %(count)s characters: please shorten "
        "it, or attach the text as a PDF file.", count=limit)


def int_arg(name):
    value = request.args.get(name, '')
    return int(value) if value.isdigit() and len(value) < 10 else None


def date_arg(name):
    "The date of the argument, if it is one of this century"
    try:
        date = dt.date.fromisoformat(request.args.get(name, ''))
    except ValueError:
        return None
    return date if dt.date(2000, 1, 1) <= date < dt.date(2100, 1, 1) else None


def local_midnight_utc(date, timezone):
    local = dt.datetime.combine(date, dt.time(), ZoneInfo(timezone))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def publications(ids):
    Publication = pool_get('pakn.portal.publication')
    by_id = {p.id: p for p in Publication.browse(ids)}
    return [by_id[i] for i in ids if i in by_id]


@blueprint.route('/favicon.ico')
def favicon():
    return redirect(url_for('static', filename='favicon.svg'), code=301)


# Home

@blueprint.route('/')
@tryton.transaction()
def index():
    load_site()
    ids, _ = pool_get('pakn.portal.publication').portal_search(limit=6)
    return render_template('index.html', latest=publications(ids))


# Submit

@blueprint.route('/gui-phan-anh', methods=['GET', 'POST'])
@limiter.limit(submit_limit, methods=['POST'])
@tryton.transaction()
def submit():
    config = load_site()
    fields_ = choices('pakn.field')
    form = request.form
    if request.method == 'GET':
        return render_template('submit.html', form={}, fields=fields_,
            errors={}, accept=ACCEPT, config=config)
    errors = {}
    values = {
        'submitter_type': text('submitter_type', 20),
        'submitter_name': text('submitter_name'),
        'submitter_address': text('submitter_address'),
        'submitter_phone': text('submitter_phone'),
        'submitter_email': text('submitter_email').strip() or None,
        'content': text('content'),
        'matter_place': text('matter_place'),
        'confidential': form.get('confidential') == 'on',
        }
    field = form.get('field', '')
    if field.isdigit() and int(field) in dict(fields_):
        values['field'] = int(field)
    if form.get('matter_time'):
        try:
            local = dt.datetime.fromisoformat(form['matter_time'])
            if local.tzinfo is None:
                local = local.replace(tzinfo=ZoneInfo(config.timezone))
            values['matter_time'] = local.astimezone(
                dt.timezone.utc).replace(tzinfo=None)
            if values['matter_time'] > now():
                errors['matter_time'] = 'future'
        except ValueError:
            errors['matter_time'] = 'invalid'
    if form.get('consent') != 'on':
        errors['consent'] = 'required'
    Ticket = pool_get('pakn.ticket')
    # Every mistake at once, so the citizen corrects them in one go
    errors.update(Ticket.portal_errors(values))
    # What is too long is refused, never cut: nothing sent is lost
    for name, limit in LENGTHS.items():
        if len(values[name] or '') > limit:
            errors[name] = too_long(limit)
    files = []
    for upload in request.files.getlist('attachments'):
        if not upload or not upload.filename:
            continue
        files.append((upload.filename, upload.read()))
    if not errors:
        try:
            # The cases this browser may see already: sending one again
            # (a double click, a reload) gives it back; a matching case of
            # another browser is never shown (a new, linked case is made)
            ticket, duplicate = Ticket.portal_submit(values, files,
                known=session.get('tracked', []))
        except UserError as exception:
            # Nothing of a refused submission is kept
            Transaction().rollback()
            field_name = getattr(exception, 'field', None) or 'form'
            errors[field_name] = exception.message
        else:
            session['submitted'] = {
                'code': ticket.code,
                'duplicate': duplicate,
                }
            remember_tracked(ticket.code)
            return redirect(url_for('portal.submitted'), code=303)
    return render_template('submit.html', form=form, fields=fields_,
        errors=errors, accept=ACCEPT, config=config), 400


@blueprint.route('/gui-phan-anh/da-gui')
@tryton.transaction()
def submitted():
    config = load_site()
    result = session.get('submitted')
    if not result:
        return redirect(url_for('portal.submit'))
    return render_template('submitted.html', code=result['code'],
        duplicate=result['duplicate'], steps=next_steps(config))


def next_steps(config):
    "The stages of the province's regulation profile, for plain words"
    profile = config.sla_profile
    if not profile:
        return []
    stages = [s for s in profile.stages if s.track == 'normal']
    return [{
            'name': s.name,
            'duration': s.duration,
            'unit': s.duration_unit,
            'role': s.role,
            } for s in sorted(stages, key=lambda s: s.sequence or 0)]


@blueprint.route('/goi-y')
@limiter.limit(suggest_limit)
@tryton.transaction()
def suggest():
    "Published answers like the text being typed (an HTML fragment)"
    Publication = pool_get('pakn.portal.publication')
    typed = text('q', 2000, request.args)
    ids = Publication.similar(typed) if len(typed.strip()) >= 8 else []
    return render_template('_similar.html', similar=publications(ids))


# Track

def remember_tracked(code):
    tracked = [c for c in session.get('tracked', []) if c != code]
    session['tracked'] = ([code] + tracked)[:TRACKED_MAX]


def tracked_ticket(code):
    "The case of the code if its submitter proved it in this session"
    if code not in session.get('tracked', []):
        return None
    Ticket = pool_get('pakn.ticket')
    tickets = Ticket.search([
            ('code', '=', code), ('state_secret', '=', False)], limit=1)
    return tickets[0] if tickets else None


@blueprint.route('/tra-cuu', methods=['GET', 'POST'])
@blueprint.route('/tra-cuu/<code>', methods=['GET', 'POST'])
@limiter.limit(track_limit, methods=['POST'])
@tryton.transaction()
def track(code=None):
    load_site()
    if code is not None:
        code = code.strip().upper()[:40]
    if request.method == 'POST':
        Ticket = pool_get('pakn.ticket')
        code = (text('code', 40) or code or '').strip().upper()
        ticket = Ticket.portal_find(code, text('phone', 30))
        if ticket is None:
            return render_template('track_form.html', code=code,
                not_found=True), 404
        remember_tracked(ticket.code)
        return redirect(url_for('portal.track', code=ticket.code), code=303)
    ticket = tracked_ticket(code) if code else None
    if ticket is None:
        return render_template('track_form.html', code=code or '',
            not_found=False)
    return render_case(ticket)


def render_case(ticket, errors=None, status=200, form=None):
    Publication = pool_get('pakn.portal.publication')
    publication = Publication.search([('ticket', '=', ticket.id)], limit=1)
    return render_template('track_case.html', ticket=ticket,
        timeline=ticket.portal_timeline(), due=ticket.portal_due(),
        publication=publication[0] if publication else None,
        scale=ticket.rating_values(),
        reason_required=bool(ticket.sla_profile
            and ticket.sla_profile.rating_reason_required),
        errors=errors or {}, form=form or {}), status


@blueprint.route('/tra-cuu/<code>/danh-gia', methods=['POST'])
@limiter.limit(track_limit)
@tryton.transaction()
def rate(code):
    "The submitter rates the answer"
    return case_action(code, 'rating', 'danh-gia',
        lambda Ticket, ticket: Ticket.rate(ticket,
            text('value', 20), text('reason')))


@blueprint.route('/tra-cuu/<code>/hoi-them', methods=['POST'])
@limiter.limit(track_limit)
@tryton.transaction()
def ask(code):
    "The submitter asks a follow-up question"
    return case_action(code, 'followup', 'hoi-them',
        lambda Ticket, ticket: Ticket.ask(ticket,
            text('question')))


def case_action(code, name, anchor, action):
    """Do what the submitter of the tracked case asks, or show why not
    beside the form of the name"""
    load_site()
    ticket = tracked_ticket(code)
    if ticket is None:
        abort(403)
    for field in ['reason', 'question']:
        if len(text(field)) > ANSWER_LENGTH:
            return render_case(ticket,
                errors={name: too_long(ANSWER_LENGTH)},
                status=400, form=request.form)
    try:
        action(pool_get('pakn.ticket'), ticket)
    except UserError as exception:
        Transaction().rollback()
        return render_case(ticket, errors={name: exception.message},
            status=400, form=request.form)
    return redirect(
        url_for('portal.track', code=ticket.code, _anchor=anchor), code=303)


@blueprint.route('/tra-cuu/<code>/thoat', methods=['POST'])
def forget(code):
    session['tracked'] = [
        c for c in session.get('tracked', []) if c != code]
    return redirect(url_for('portal.track'), code=303)


# Published answers

@blueprint.route('/cau-tra-loi')
@tryton.transaction()
def answers():
    config = load_site()
    Publication = pool_get('pakn.portal.publication')
    # Deep pages cost a scan of what comes before them: searching narrows
    page = min(max(int_arg('trang') or 1, 1), MAX_PAGE)
    size = current_app.config['PORTAL_PAGE_SIZE']
    date_from, date_to = date_arg('tu_ngay'), date_arg('den_ngay')
    filters = {
        'text': text('q', 200, request.args),
        'field': int_arg('linh_vuc'),
        'unit': int_arg('don_vi'),
        'channel': int_arg('kenh'),
        'date_from': local_midnight_utc(date_from, config.timezone)
        if date_from else None,
        'date_to': local_midnight_utc(
            date_to + dt.timedelta(days=1), config.timezone)
        if date_to else None,
        }
    ids, more = Publication.portal_search(
        offset=(page - 1) * size, limit=size, **filters)

    def page_url(number):
        args = request.args.to_dict()
        args['trang'] = number
        return url_for('portal.answers', **args)
    return render_template('answers.html',
        results=publications(ids), page=page,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if more else None,
        args=request.args,
        fields=choices('pakn.field'),
        # every unit: finding those with answers would read every answer
        units=choices('pakn.unit'),
        channels=choices('pakn.channel'))


@blueprint.route('/cau-tra-loi/<int:number>')
@blueprint.route('/cau-tra-loi/<int:number>-<slug>')
@tryton.transaction()
def answer(number, slug=None):
    load_site()
    if number > 2 ** 31 - 1:
        abort(404)
    Publication = pool_get('pakn.portal.publication')
    found = Publication.search([('id', '=', number)], limit=1)
    if not found:
        abort(404)
    publication, = found
    if slug != publication.slug:
        return redirect(url_for('portal.answer', number=number,
                slug=publication.slug), code=301)
    ticket = publication.ticket
    followups = [f for f in ticket.followups if f.state == 'answered']
    serializer = evidence_serializer()
    evidence = [{
            'name': a.name,
            'token': serializer.dumps([publication.id, a.id]),
            } for a in Publication.evidence(publication)]
    return render_template('answer.html', publication=publication,
        followups=followups, evidence=evidence)


def evidence_serializer():
    return URLSafeSerializer(
        current_app.config['SECRET_KEY'], salt='pakn-evidence')


@blueprint.route('/tep/<token>')
@tryton.transaction()
def evidence_file(token):
    "An evidence file of a published answer, by a signed token only"
    try:
        publication_id, attachment_id = evidence_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        abort(404)
    Publication = pool_get('pakn.portal.publication')
    found = Publication.search([('id', '=', publication_id)], limit=1)
    if not found:
        abort(404)
    attachments = [a for a in Publication.evidence(found[0])
        if a.id == attachment_id]
    if not attachments:
        abort(404)
    attachment, = attachments
    data = attachment.data or b''
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else 'application/octet-stream'
    response = make_response(bytes(data))
    response.headers['Content-Type'] = mime
    inline = mime.startswith('image/') or mime == 'application/pdf'
    disposition = 'inline' if inline else 'attachment'
    from werkzeug.http import dump_options_header
    response.headers['Content-Disposition'] = dump_options_header(
        disposition, {'filename': attachment.name})
    response.headers['Content-Security-Policy'] = "sandbox; default-src 'none'"
    response.headers['Cache-Control'] = 'public, max-age=86400'
    return response


# Statistics

@blueprint.route('/thong-ke')
@tryton.transaction()
def statistics():
    from ..statistics import compute
    config = load_site()
    this_year = dt.datetime.now(ZoneInfo(config.timezone)).year
    year = int_arg('nam') or this_year
    if not 2000 <= year <= this_year:
        year = this_year
    key = (current_app.name, Transaction().database.name, year)
    cached = _statistics_cache.get(key)
    ttl = current_app.config['PORTAL_STATISTICS_CACHE']
    if cached and time.monotonic() - cached[0] < ttl:
        stats = cached[1]
    else:
        stats = compute(year)
        _statistics_cache[key] = (time.monotonic(), stats)
    return render_template('statistics.html', stats=stats,
        years=list(range(this_year, this_year - 5, -1)))


# Language

@blueprint.route('/ngon-ngu/<language>')
def language(language):
    target = request.args.get('next', '/')
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith('/'):
        target = '/'
    response = redirect(target)
    if language in ('vi', 'en'):
        response.set_cookie('lang', language, max_age=365 * 24 * 3600,
            samesite='Lax', httponly=True)
    return response


def register_filters(app):
    @app.template_filter('when')
    def when(value, format='dd/MM/yyyy HH:mm'):
        if not value:
            return ''
        if isinstance(value, dt.datetime):
            return format_datetime(value, format)
        return format_date(value, 'dd/MM/yyyy')

    @app.template_filter('paragraphs')
    def paragraphs(value):
        "Text as escaped paragraphs, line breaks kept"
        blocks = [b.strip() for b in (value or '').split('\n\n')]
        return Markup('').join(
            Markup('<p>%s</p>') % Markup('<br>').join(
                escape(line) for line in block.split('\n'))
            for block in blocks if block)

    @app.template_filter('percent')
    def percent(value):
        if value is None:
            return '–'
        return f'{value * 100:.0f}%'

    @app.template_filter('number')
    def number(value, digits=0):
        if value is None:
            return '–'
        text = f'{value:,.{digits}f}'
        if str(get_locale()) == 'vi':
            text = text.replace(',', ' ').replace('.', ',')
        return text

    @app.template_filter('zip_rates')
    def zip_rates(labels, rows, key='on_time_rate'):
        "(label, percentage) pairs for a chart of rates"
        return [(label, round((row[key] or 0) * 100))
            for label, row in zip(labels, rows)]

    @app.context_processor
    def frame():
        return {
            'site': g.get('site') or {},
            'locale': str(get_locale()),
            }
