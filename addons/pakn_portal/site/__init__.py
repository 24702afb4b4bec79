# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public portal: a Flask site over the Tryton models (flask-tryton).

    app = create_app({'TRYTON_DATABASE': 'pakn_demo'})

Settings come from the mapping given, over the environment
(PAKN_PORTAL_DATABASE, PAKN_PORTAL_SECRET_KEY, TRYTOND_CONFIG,
PAKN_PORTAL_RATELIMIT_STORAGE e.g. redis://127.0.0.1:6379,
PAKN_PORTAL_PROXIES: the number of reverse proxies in front,
PAKN_PORTAL_HTTPS=1: secure cookies and HSTS).
Without a secret key, one is generated once and kept in the instance
folder (var/portal by default, PAKN_PORTAL_INSTANCE).

The Babel catalogues are shipped in the package (translations/<lang>/
LC_MESSAGES/messages.po); they are compiled at start into the instance
folder (translations/), because an installed package's folder may not be
writable."""
import io
import logging
import os
import secrets
import tempfile

from flask import Flask, current_app, g, render_template, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_tryton import Tryton
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

logger = logging.getLogger(__name__)

# The .po catalogues of the site, inside the package
TRANSLATIONS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'translations')
LANGUAGES = ['vi', 'en']

tryton = Tryton()
csrf = CSRFProtect()
limiter = Limiter(get_remote_address)

DEFAULTS = {
    'TRYTON_DATABASE': None,
    'TRYTON_CONFIG': None,
    'SESSION_COOKIE_HTTPONLY': True,
    'SESSION_COOKIE_SAMESITE': 'Lax',
    'SESSION_COOKIE_NAME': 'pakn_session',
    'WTF_CSRF_TIME_LIMIT': 4 * 3600,
    # Files: see also the limits per file in the configuration of Tryton
    'MAX_CONTENT_LENGTH': 160 * 1024 * 1024,
    'MAX_FORM_MEMORY_SIZE': 1024 * 1024,
    'RATELIMIT_STORAGE_URI': 'memory://',
    'RATELIMIT_HEADERS_ENABLED': True,
    'PORTAL_SUBMIT_LIMIT': '5/minute;20/hour',
    'PORTAL_TRACK_LIMIT': '10/minute;60/hour',
    'PORTAL_SUGGEST_LIMIT': '60/minute',
    'PORTAL_PAGE_SIZE': 20,
    'PORTAL_STATISTICS_CACHE': 300,
    'PORTAL_PROXIES': 0,
    # Served over HTTPS only: secure cookies and HSTS
    'PORTAL_HTTPS': False,
    'BABEL_DEFAULT_LOCALE': 'vi',
    'BABEL_DEFAULT_TIMEZONE': 'Asia/Ho_Chi_Minh',
    # The compiled catalogues: <instance folder>/translations when None
    'BABEL_TRANSLATION_DIRECTORIES': None,
    }
ENVIRONMENT = {
    'PAKN_PORTAL_DATABASE': 'TRYTON_DATABASE',
    'PAKN_PORTAL_SECRET_KEY': 'SECRET_KEY',
    'TRYTOND_CONFIG': 'TRYTON_CONFIG',
    'PAKN_PORTAL_RATELIMIT_STORAGE': 'RATELIMIT_STORAGE_URI',
    'PAKN_PORTAL_PROXIES': 'PORTAL_PROXIES',
    'PAKN_PORTAL_HTTPS': 'PORTAL_HTTPS',
    }
# Content Security Policy: no inline script or style anywhere
CSP = '; '.join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        ])
SECURITY_HEADERS = {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
    }


def create_app(settings=None, instance_path=None):
    app = Flask(__name__, instance_path=instance_path or os.path.abspath(
            os.environ.get('PAKN_PORTAL_INSTANCE',
                os.path.join('var', 'portal'))))
    app.config.update(DEFAULTS)
    for variable, key in ENVIRONMENT.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    app.config.update(settings or {})
    if not app.config.get('TRYTON_DATABASE'):
        raise RuntimeError(
            "The portal needs a database: set PAKN_PORTAL_DATABASE")
    if not app.config.get('SECRET_KEY'):
        app.config['SECRET_KEY'] = instance_secret(app.instance_path)
    if str(app.config['PORTAL_HTTPS']).lower() in {'1', 'true', 'yes'}:
        app.config['SESSION_COOKIE_SECURE'] = True
        app.config['PORTAL_HTTPS'] = True
    else:
        app.config['PORTAL_HTTPS'] = False
    proxies = int(app.config['PORTAL_PROXIES'] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    if not app.config['BABEL_TRANSLATION_DIRECTORIES']:
        app.config['BABEL_TRANSLATION_DIRECTORIES'] = os.path.join(
            app.instance_path, 'translations')
    try:
        compile_catalogues(
            TRANSLATIONS, app.config['BABEL_TRANSLATION_DIRECTORIES'])
    except OSError as error:
        # an instance folder this process cannot write: its own copy
        logger.warning("cannot compile the catalogues into %s (%s): "
            "compiled into a temporary folder",
            app.config['BABEL_TRANSLATION_DIRECTORIES'], error)
        app.config['BABEL_TRANSLATION_DIRECTORIES'] = tempfile.mkdtemp(
            prefix='pakn-portal-translations-')
        compile_catalogues(
            TRANSLATIONS, app.config['BABEL_TRANSLATION_DIRECTORIES'])
    Babel(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    tryton.init_app(app)
    configure_user(app)

    @tryton.default_context
    def default_context():
        return {'language': select_locale(), 'company': None}

    # one blueprint per area (templates/<area>/), common holds the shared
    # helpers, the filters and the pages of no area
    from . import (
        answers,
        common,
        documents,
        statistics,
        submit,
        suggestions,
        track,
    )
    common.init_app(app)
    for area in [submit, track, answers, statistics, suggestions, documents]:
        app.register_blueprint(area.blueprint)

    app.after_request(security_headers)
    register_errors(app)
    return app


def instance_secret(path):
    "The secret key kept in the instance folder, created the first time"
    filename = os.path.join(path, 'secret_key')
    try:
        with open(filename) as file:
            return file.read().strip()
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(filename, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as file:
            file.write(key)
        return key


def compile_catalogues(source, target):
    """Compile the .po catalogues of source into the .mo files Flask-Babel
    reads in target (same layout), rewriting those that differ"""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    if not os.path.isdir(source):
        logger.error("no catalogues in %s: the portal speaks English", source)
        return
    for language in sorted(os.listdir(source)):
        po = os.path.join(source, language, 'LC_MESSAGES', 'messages.po')
        if not os.path.isfile(po):
            continue
        with open(po, 'rb') as file:
            catalogue = read_po(file, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)
        folder = os.path.join(target, language, 'LC_MESSAGES')
        mo = os.path.join(folder, 'messages.mo')
        try:
            with open(mo, 'rb') as file:
                if file.read() == compiled.getvalue():
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(folder, exist_ok=True)
        # several workers may start at once: each replaces the file whole
        tmp = f'{mo}.{os.getpid()}'
        with open(tmp, 'wb') as file:
            file.write(compiled.getvalue())
        os.replace(tmp, mo)


def configure_user(app):
    "Work as the portal's own user, which has no rights of its own"
    from trytond.transaction import Transaction
    pool = tryton.pool
    with Transaction().start(app.config['TRYTON_DATABASE'], 0,
            readonly=True):
        ModelData = pool.get('ir.model.data')
        app.config['TRYTON_USER'] = ModelData.get_id(
            'pakn_portal', 'user_portal')


def select_locale():
    if not request:
        return 'vi'
    language = request.args.get('lang') or request.cookies.get('lang')
    if language in LANGUAGES:
        return language
    return 'vi'


def security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config['PORTAL_HTTPS']:
        response.headers.setdefault(
            'Strict-Transport-Security', 'max-age=31536000')
    if request.path.startswith('/static/'):
        response.headers.setdefault('Cache-Control', 'public, max-age=3600')
    else:
        response.headers.setdefault('Cache-Control', 'no-store')
    return response


def register_errors(app):
    def render_error(code, message=None):
        g.error_code = code
        return render_template(
            'error.html', code=code, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, 'csrf')

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def internal_error(error):
        logger.exception("portal error on %s", request.path)
        return render_error(500)
