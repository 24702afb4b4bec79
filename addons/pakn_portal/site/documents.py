# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Documents: the Annex I answer of a case as a PDF (served by the tracking
page and the public answer page, with answer_pdf and pdf_response) and the
page "Kiểm tra văn bản", which tells whether a PDF is an unaltered answer
signed by a configured unit.

The PDF and its check come from the module pakn_report (Ticket.annex_pdf,
Ticket.check_answer_pdf), which depends on this one: the site never
imports it and answers 404 where it is not activated."""
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    send_file,
)
from flask_babel import gettext as _

from . import csrf, limiter, tryton
from .common import load_site, pool_get

blueprint = Blueprint('documents', __name__)

# The largest PDF the check page accepts
CHECK_MAX_SIZE = 10 * 1024 * 1024
# What a multipart form adds around the file (boundaries, token, headers)
FORM_OVERHEAD = 64 * 1024
# PDF readers find the header within the first kilobyte
PDF_HEADER = b'%PDF-'


def check_limit():
    "The rate limit of checks: that of tracking unless set"
    return (current_app.config.get('PORTAL_CHECK_LIMIT')
        or current_app.config['PORTAL_TRACK_LIMIT'])


def check_max_size():
    return int(current_app.config.get('PORTAL_CHECK_MAX_SIZE')
        or CHECK_MAX_SIZE)


def answer_pdf(ticket):
    """The bytes of the Annex I PDF of the case, None without one or
    without the module that stores it"""
    if not hasattr(type(ticket), 'annex_pdf'):
        return None
    return ticket.annex_pdf() or None


def file_name(code):
    "The name of the PDF of the case of code (pakn_report's annex.file_name)"
    return '%s-tra-loi.pdf' % code


def pdf_response(data, name, cache_control):
    "A response that downloads the PDF data as a file of the name"
    response = send_file(io.BytesIO(data), mimetype='application/pdf',
        as_attachment=True, download_name=name, conditional=False,
        etag=False)
    response.headers['Cache-Control'] = cache_control
    response.headers['Content-Security-Policy'] = (
        "sandbox; default-src 'none'")
    return response


def is_pdf(data):
    return PDF_HEADER in data[:1024]


@blueprint.route('/kiem-tra-van-ban', methods=['GET', 'POST'])
@csrf.exempt
@limiter.limit(check_limit, methods=['POST'])
@tryton.transaction(readonly=True)
def check():
    """Check a PDF sent by anyone: is it an answer signed by a configured
    unit, unaltered? The token of the form is checked here, once the size
    of the request is known to be acceptable (not before reading it all)"""
    load_site()
    Ticket = pool_get('pakn.ticket')
    if not hasattr(Ticket, 'check_answer_pdf'):
        abort(404)
    size = check_max_size()

    def render(status=200, **values):
        return render_template('documents/check.html',
            max_size=size // (1024 * 1024), **values), status
    if request.method == 'GET':
        return render()
    too_large = _("The file is larger than %(size)s MB, the largest that "
        "can be checked.", size=size // (1024 * 1024))
    if (request.content_length or 0) > size + FORM_OVERHEAD:
        return render(413, error=too_large)
    request.max_content_length = size + FORM_OVERHEAD
    csrf.protect()
    upload = request.files.get('document')
    if upload is None or not upload.filename:
        return render(400,
            error=_("Choose the PDF file of the answer to check."))
    data = upload.read(size + 1)
    if len(data) > size:
        return render(413, error=too_large)
    if not is_pdf(data):
        return render(400,
            error=_("This file is not a PDF document. Choose the PDF file "
                "of the answer as you received or downloaded it."))
    return render(result=Ticket.check_answer_pdf(data))
