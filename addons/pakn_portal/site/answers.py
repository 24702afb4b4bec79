# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Answers: the published answers, searched and filtered, each on its page
with its evidence files (by signed links only)"""
import datetime as dt

import filetype
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import dump_options_header

from trytond.modules.pakn_helpdesk.common import to_utc

from . import tryton
from .common import (
    choices,
    date_arg,
    int_arg,
    load_site,
    pool_get,
    publications,
    text,
)
from .documents import answer_pdf, file_name, pdf_response

blueprint = Blueprint('answers', __name__)

# Deep pages cost a scan of what comes before them: searching narrows
MAX_PAGE = 500


@blueprint.route('/cau-tra-loi')
@tryton.transaction()
def answers():
    config = load_site()
    Publication = pool_get('pakn.portal.publication')
    page = min(max(int_arg('trang') or 1, 1), MAX_PAGE)
    size = current_app.config['PORTAL_PAGE_SIZE']
    date_from, date_to = date_arg('tu_ngay'), date_arg('den_ngay')
    filters = {
        'text': text('q', 200, request.args),
        'field': int_arg('linh_vuc'),
        'unit': int_arg('don_vi'),
        'channel': int_arg('kenh'),
        # from the local midnight of the first day to that after the last
        'date_from': to_utc(date_from, config.timezone),
        'date_to': to_utc(date_to + dt.timedelta(days=1), config.timezone)
        if date_to else None,
        }
    ids, more = Publication.portal_search(
        offset=(page - 1) * size, limit=size, **filters)

    def page_url(number):
        args = request.args.to_dict()
        args['trang'] = number
        return url_for('answers.answers', **args)
    return render_template('answers/answers.html',
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
        return redirect(url_for('answers.answer', number=number,
                slug=publication.slug), code=301)
    ticket = publication.ticket
    followups = [f for f in ticket.followups if f.state == 'answered']
    serializer = evidence_serializer()
    evidence = [{
            'name': a.name,
            'token': serializer.dumps([publication.id, a.id]),
            } for a in Publication.evidence(publication)]
    return render_template('answers/answer.html', publication=publication,
        followups=followups, evidence=evidence,
        has_pdf=public_pdf(publication) is not None)


def public_pdf(publication):
    """The Annex I PDF of a published answer, None if there is none or
    its case is not public (any more)"""
    ticket = publication.ticket
    if ticket.confidential or ticket.state_secret or not ticket.public:
        return None
    return answer_pdf(ticket)


@blueprint.route('/cau-tra-loi/<int:number>/tra-loi.pdf')
@tryton.transaction()
def answer_file(number):
    "The Annex I PDF of a published answer"
    if number > 2 ** 31 - 1:
        abort(404)
    Publication = pool_get('pakn.portal.publication')
    found = Publication.search([('id', '=', number)], limit=1)
    data = public_pdf(found[0]) if found else None
    if data is None:
        abort(404)
    # public, but withdrawn at once if the case is made confidential
    return pdf_response(
        data, file_name(found[0].ticket.code), 'public, no-cache')


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
    response.headers['Content-Disposition'] = dump_options_header(
        disposition, {'filename': attachment.name})
    response.headers['Content-Security-Policy'] = "sandbox; default-src 'none'"
    response.headers['Cache-Control'] = 'public, max-age=86400'
    return response
