# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Submit: the form of a new case, and the page of its code and next steps"
import datetime as dt

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from trytond.exceptions import UserError
from trytond.modules.pakn_helpdesk.common import now, to_utc
from trytond.transaction import Transaction

from ..upload import ACCEPT
from . import limiter, tryton
from .common import choices, load_site, pool_get, text, too_long
from .track import remember_tracked

blueprint = Blueprint('submit', __name__)

# The longest texts of a submission, as the form's maxlength says
LENGTHS = {
    'submitter_name': 200,
    'submitter_address': 300,
    'submitter_phone': 30,
    'submitter_email': 200,
    'content': 20000,
    'matter_place': 300,
    }


def submit_limit():
    return current_app.config['PORTAL_SUBMIT_LIMIT']


@blueprint.route('/gui-phan-anh', methods=['GET', 'POST'])
@limiter.limit(submit_limit, methods=['POST'])
@tryton.transaction()
def submit():
    config = load_site()
    fields_ = choices('pakn.field')
    form = request.form
    if request.method == 'GET':
        return render_template('submit/submit.html', form={},
            fields=fields_, errors={}, accept=ACCEPT, config=config)
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
            values['matter_time'] = to_utc(
                dt.datetime.fromisoformat(form['matter_time']),
                config.timezone)
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
            return redirect(url_for('submit.submitted'), code=303)
    return render_template('submit/submit.html', form=form, fields=fields_,
        errors=errors, accept=ACCEPT, config=config), 400


@blueprint.route('/gui-phan-anh/da-gui')
@tryton.transaction()
def submitted():
    config = load_site()
    result = session.get('submitted')
    if not result:
        return redirect(url_for('submit.submit'))
    return render_template('submit/submitted.html', code=result['code'],
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
