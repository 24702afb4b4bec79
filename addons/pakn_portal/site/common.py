# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the blueprints of the portal share: reading the form and the
arguments, the province's frame, the short lists offered as choices (in a
cache of the app), the template filters; and the pages of no area: the
home page, the language, the favicon.

Each view runs in one Tryton transaction (read-only for GET); what a
citizen sends is checked by the models, and a refused submission rolls
back everything it wrote."""
import datetime as dt
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from trytond.modules.pakn_helpdesk.common import normalize_text
from trytond.transaction import Transaction

from . import tryton

blueprint = Blueprint('common', __name__)

# The fields, units and channels offered as filters change rarely
CHOICES_TTL = 300
EXTENSION = 'pakn_portal'


class TimedCache:
    "Values computed once, then kept for a time (one per app)"

    def __init__(self):
        self._values = {}

    def get(self, key, ttl, compute):
        "The value of key, computed again once older than ttl seconds"
        cached = self._values.get(key)
        if cached and time.monotonic() - cached[0] < ttl:
            return cached[1]
        value = compute()
        self._values[key] = (time.monotonic(), value)
        return value


def init_app(app):
    "Register the common pages, the filters and the cache of the app"
    app.extensions[EXTENSION] = TimedCache()
    app.register_blueprint(blueprint)
    register_filters(app)


def cached(key, ttl, compute):
    "The value of key in the current app's cache, for this database"
    return current_app.extensions[EXTENSION].get(
        (Transaction().database.name, *key), ttl, compute)


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


def choices(model):
    "(id, name) of the records of a short model, cached a few minutes"
    def compute():
        Model = pool_get(model)
        return [(r.id, r.name) for r in Model.search([], order=[
                    ('sequence', 'ASC'), ('name', 'ASC'), ('id', 'ASC')]
                if 'sequence' in Model._fields else [('name', 'ASC')])]
    return cached(
        ('choices', model, Transaction().language), CHOICES_TTL, compute)


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


def publications(ids):
    "The publications of the ids, in their order"
    Publication = pool_get('pakn.portal.publication')
    by_id = {p.id: p for p in Publication.browse(ids)}
    return [by_id[i] for i in ids if i in by_id]


@blueprint.route('/favicon.ico')
def favicon():
    return redirect(url_for('static', filename='favicon.svg'), code=301)


@blueprint.route('/')
@tryton.transaction()
def index():
    "The home page: what the site is for, a search, the latest answers"
    load_site()
    ids, _ = pool_get('pakn.portal.publication').portal_search(limit=6)
    return render_template('index.html', latest=publications(ids))


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
