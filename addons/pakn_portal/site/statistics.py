# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Statistics: the cases of a year counted by month, field, unit and
channel, handling on time and satisfaction (cached a few minutes)"""
import datetime as dt

from flask import Blueprint, current_app, render_template

from trytond.modules.pakn_helpdesk.common import zone

from ..rating import RATING_VALUES
from ..statistics import compute
from . import tryton
from .common import cached, int_arg, load_site

blueprint = Blueprint('statistics', __name__)


@blueprint.route('/thong-ke')
@tryton.transaction()
def statistics():
    config = load_site()
    this_year = dt.datetime.now(zone(config.timezone)).year
    year = int_arg('nam') or this_year
    if not 2000 <= year <= this_year:
        year = this_year
    stats = cached(('statistics', year),
        current_app.config['PORTAL_STATISTICS_CACHE'], lambda: compute(year))
    return render_template('statistics/statistics.html', stats=stats,
        years=list(range(this_year, this_year - 5, -1)),
        rating_values=RATING_VALUES)
