# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Suggestions: the published answers like the text a citizen is typing
in the submission form (an HTML fragment the form's script shows)"""
from flask import Blueprint, current_app, render_template, request

from . import limiter, tryton
from .common import pool_get, publications, text

blueprint = Blueprint('suggestions', __name__)


def suggest_limit():
    return current_app.config['PORTAL_SUGGEST_LIMIT']


@blueprint.route('/goi-y')
@limiter.limit(suggest_limit)
@tryton.transaction()
def suggest():
    "Published answers like the text being typed (an HTML fragment)"
    Publication = pool_get('pakn.portal.publication')
    typed = text('q', 2000, request.args)
    ids = Publication.similar(typed) if len(typed.strip()) >= 8 else []
    return render_template('suggestions/similar.html',
        similar=publications(ids))
