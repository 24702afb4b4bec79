# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Statistics: the cases counted, as charts and as tables (the statistics
blueprint)"""
import html

from . import portal_case


class PortalStatisticsTestCase(portal_case.PortalTestCase):
    "The statistics"
    area = 'statistics'

    def test_statistics(self):
        "The statistics count the cases, as charts and as tables"
        with self.transaction():
            pool = self.pool()
            Ticket = pool.get('pakn.ticket')
            tickets = Ticket.search([])
            year = max(t.received_at for t in tickets).year
            total = len([t for t in tickets if t.received_at.year == year])
            construction = len([t for t in tickets
                    if t.received_at.year == year and t.lead_unit
                    and t.lead_unit.id == self.data['units']['construction']])
            # all received this year: the cases to handle are those
            # received; late: a final limit passed, answered or not
            late = len([t for t in tickets
                    if t.received_at.year == year and t.late])
        response = self.client.get('/thong-ke?nam=%s' % year)
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn('<svg', text)
        self.assertIn('<rect', text)
        self.assertRegex(text, r'>\s*%s\s*<' % total)
        self.assertRegex(text,
            r'<td>Sở Xây dựng</td><td class="num">%s</td>' % construction)
        for heading in ["Cases by month", "Cases by field",
                "Cases by unit in charge", "Cases by channel",
                "Handling by unit", "Satisfaction by unit",
                "To handle", "Late"]:
            self.assertIn(self.site_message(heading), text)
        self.assertIn(self.site_message(
                "Handled on time: %(rate)s of the %(count)s cases to "
                "handle in %(year)s; %(late)s late.",
                rate='%.0f%%' % (100 * (1 - late / total)), count=total,
                year=year, late=late), html.unescape(text))
        for private in ["Nguyễn Văn An", "0912", "thu tiền sai"]:
            self.assertNotIn(private, text)
