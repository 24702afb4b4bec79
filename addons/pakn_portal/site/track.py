# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Track: the submitter proves a case with its code and phone, then follows
it, rates the answer and asks follow-up questions (the cases proved are
kept in the session)"""
import functools

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from trytond.exceptions import UserError
from trytond.modules.pakn_helpdesk.lifecycle import DELIVERED_STATES
from trytond.transaction import Transaction

from . import limiter, tryton
from .common import load_site, pool_get, text, too_long
from .documents import answer_pdf, file_name, pdf_response

blueprint = Blueprint('track', __name__)

# Verified cases kept in the session (the last ones tracked)
TRACKED_MAX = 10
# The longest reason of a rating, or follow-up question
ANSWER_LENGTH = 4000


def track_limit():
    return current_app.config['PORTAL_TRACK_LIMIT']


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
            return render_template('track/form.html', code=code,
                not_found=True), 404
        remember_tracked(ticket.code)
        return redirect(url_for('track.track', code=ticket.code), code=303)
    ticket = tracked_ticket(code) if code else None
    if ticket is None:
        return render_template('track/form.html', code=code or '',
            not_found=False)
    return render_case(ticket)


def delivered_pdf(ticket):
    """The Annex I PDF of the case once its answer is delivered (the
    tracking page shows the answer then), else None"""
    if ticket.state not in DELIVERED_STATES:
        return None
    return answer_pdf(ticket)


def render_case(ticket, errors=None, status=200, form=None):
    Publication = pool_get('pakn.portal.publication')
    publication = Publication.search([('ticket', '=', ticket.id)], limit=1)
    return render_template('track/case.html', ticket=ticket,
        timeline=ticket.portal_timeline(), due=ticket.portal_due(),
        publication=publication[0] if publication else None,
        has_pdf=delivered_pdf(ticket) is not None,
        scale=ticket.rating_values(),
        reason_required=bool(ticket.sla_profile
            and ticket.sla_profile.rating_reason_required),
        errors=errors or {}, form=form or {}), status


@blueprint.route('/tra-cuu/<code>/tra-loi.pdf')
@tryton.transaction()
def answer_file(code):
    "The Annex I PDF of the case, to its submitter who proved it only"
    ticket = tracked_ticket(code)
    if ticket is None:
        abort(403)
    data = delivered_pdf(ticket)
    if data is None:
        abort(404)
    # the submitter's own document: kept by no shared cache
    return pdf_response(data, file_name(ticket.code), 'private, no-store')


def case_action(name, anchor):
    """Make the decorated action(Ticket, ticket) the POST view of
    /tra-cuu/<code>/<anchor>: it does what the submitter of the tracked
    case asks, or shows why not beside the form of the name"""
    def decorator(action):
        @blueprint.route(f'/tra-cuu/<code>/{anchor}', methods=['POST'])
        @limiter.limit(track_limit)
        @tryton.transaction()
        @functools.wraps(action)
        def view(code):
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
            return redirect(url_for('track.track', code=ticket.code,
                    _anchor=anchor), code=303)
        return view
    return decorator


@case_action('rating', 'danh-gia')
def rate(Ticket, ticket):
    "The submitter rates the answer"
    Ticket.rate(ticket, text('value', 20), text('reason'))


@case_action('followup', 'hoi-them')
def ask(Ticket, ticket):
    "The submitter asks a follow-up question"
    Ticket.ask(ticket, text('question'))


@blueprint.route('/tra-cuu/<code>/thoat', methods=['POST'])
def forget(code):
    session['tracked'] = [
        c for c in session.get('tracked', []) if c != code]
    return redirect(url_for('track.track'), code=303)
