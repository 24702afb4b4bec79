# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Load what the portal tests need into DATABASE through proteus, as the
staff would do it, then print the ids and codes as JSON: two units with a
focal point and a leader each, and cases in every public situation:

- published: answered with an evidence file (and an internal one);
- published_script: content with a <script>, published;
- published_personal: content with personal data, published redacted;
- confidential: answered privately (never public);
- secret: a state-secret case (never public, not trackable);
- open: forwarded and extended, with a promised date;
- rejected: refused with guidance.

Usage: portal_fixture.py DATABASE"""
import json
import sys

from proteus import Model, Wizard
from proteus import config as pconfig

from trytond.modules.pakn_helpdesk.tests.tools import create_units, create_user

PASSWORD = 'portal-test-1022'
PHONE = '0912345678'
OTHER_PHONE = '0987654321'
# A question with a name, an ID number, an address, a phone and an email
PERSONAL_CONTENT = (
    "Rác tập kết trước nhà tôi ở số 25 đường Hoàng Diệu, phường Phước Ninh "
    "gây hôi thối. Tôi là Trần Thị Bình, CCCD 048190012345, xin liên hệ "
    "0905 123 456 hoặc binh.tran@example.vn.")
# A 1x1 PNG
PNG = bytes.fromhex(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000'
    '1f15c4890000000d49444154789c6360000002000100e5273fce0000000049'
    '454e44ae426082')


def main(database):
    config = pconfig.set_trytond(database)
    units = create_units(config)
    User = Model.get('res.user')
    users = {}
    for login, roles in [
            ('operator', ['operator']),
            ('spec_a', ['specialist']),
            ('leader_a', ['leader']),
            ('spec_b', ['specialist']),
            ('leader_b', ['leader']),
            ('office', ['office']),
            ]:
        users[login] = create_user(
            login, login, roles, password=PASSWORD, config=config)
    for key, spec, leader in [
            ('construction', 'spec_a', 'leader_a'),
            ('health', 'spec_b', 'leader_b')]:
        unit = units[key]
        unit.focal_points.append(User(users[spec].id))
        unit.leaders.append(User(users[leader].id))
        unit.save()

    Ticket = Model.get('pakn.ticket')
    Channel = Model.get('pakn.channel')
    Field = Model.get('pakn.field')
    Unit = Model.get('pakn.unit')
    Attachment = Model.get('ir.attachment')
    web, = Channel.find([('code', '=', 'web')])
    email, = Channel.find([('code', '=', 'email')])
    water, = Field.find([('code', '=', 'nuoc')])

    def as_user(login):
        config.user = users[login].id

    def new(content, unit='construction', phone=PHONE, channel=web,
            **values):
        as_user('operator')
        ticket = Ticket(channel=channel, submitter_name="Nguyễn Văn An",
            submitter_phone=phone,
            submitter_address="12 Lê Lợi, phường Hải Châu",
            submitter_email='an.nguyen@example.vn', content=content,
            field=water, lead_unit=Unit(units[unit].id), **values)
        ticket.save()
        return ticket

    def answer(ticket, result, unit='a', deliver='publish'):
        ticket.click('forward')
        as_user('spec_' + unit)
        ticket = Ticket(ticket.id)
        ticket.click('accept')
        ticket.result = result
        ticket.click('submit')
        as_user('leader_' + unit)
        ticket = Ticket(ticket.id)
        ticket.click('approve')
        ticket.click(deliver)
        return Ticket(ticket.id)

    cases = {}
    published = new(
        "Đường Lê Lợi bị ngập sâu sau mỗi trận mưa. Đề nghị nạo vét cống "
        "thoát nước.", matter_place="Đường Lê Lợi, phường Hải Châu")
    as_user('operator')
    published.click('forward')
    as_user('spec_a')
    published = Ticket(published.id)
    published.click('accept')
    Attachment(name='anh-nao-vet.png', resource=published, data=PNG,
        type='data', pakn_kind='evidence').save()
    Attachment(name='ghi-chu-noi-bo.png', resource=published, data=PNG,
        type='data', pakn_kind='internal').save()
    published.result = "Sở Xây dựng đã nạo vét 200 m cống dọc đường Lê Lợi."
    published.click('submit')
    as_user('leader_a')
    published = Ticket(published.id)
    published.click('approve')
    published.click('publish')
    cases['published'] = published

    cases['published_script'] = answer(
        new("Đèn chiếu sáng <script>alert('xss')</script> trên đường Trần "
            "Phú bị hỏng nhiều ngày.", unit='health', phone=OTHER_PHONE,
            channel=email),
        "Đơn vị đã thay bóng đèn <b>ngày 20/11</b>.", unit='b')
    # Personal data typed into the question: detected and hidden when
    # submitted; the leader hides the name too before approving
    personal = new(PERSONAL_CONTENT)
    personal.click('forward')
    as_user('spec_a')
    personal = Ticket(personal.id)
    personal.click('accept')
    personal.result = "Công ty Môi trường đã chuyển điểm tập kết rác."
    personal.click('submit')
    as_user('leader_a')
    personal = Ticket(personal.id)
    personal.public_question = personal.public_question.replace(
        "Trần Thị Bình", "[đã ẩn]")
    personal.save()
    personal.click('approve')
    personal.click('publish')
    cases['published_personal'] = Ticket(personal.id)

    cases['confidential'] = answer(
        new("Tôi phản ánh cán bộ xã Tiên Dương thu tiền sai quy định.",
            confidential=True),
        "Sở đã kiểm tra và xử lý cán bộ vi phạm.", deliver='send_privately')

    as_user('operator')
    secret = Ticket(channel=web, state_secret=True,
        secret_reference='MẬT-2026-01', lead_unit=Unit(units['health'].id))
    secret.save()
    cases['secret'] = secret

    opened = new("Nước sạch khu phố 3 bị đục, có mùi lạ.")
    opened.click('forward')
    as_user('spec_a')
    opened = Ticket(opened.id)
    opened.click('accept')
    extend = Wizard('pakn.ticket.extend', [opened])
    extend.form.days = 2
    extend.form.complex = True  # KH2022 Đ7 k3
    extend.form.reason = ("Cần lấy mẫu nước để xét nghiệm, phối hợp Sở Y tế "
        "và Sở Tài nguyên và Môi trường.")
    extend.execute('extend')
    cases['open'] = Ticket(opened.id)

    # An urgent incident (KH2022 Đ10): the temporary fix is its own step,
    # its text shown to the citizen
    urgent = new("Cây xanh đổ chắn ngang đường Nguyễn Huệ.", urgent=True)
    urgent.click('check_intake')
    urgent.click('forward')
    as_user('spec_a')
    urgent = Ticket(urgent.id)
    urgent.click('accept')
    fix = Wizard('pakn.ticket.record_fix', [urgent])
    fix.form.text = "Đã cưa, dọn cây đổ và thông đường lúc 10 giờ."
    fix.execute('apply')
    cases['urgent'] = Ticket(urgent.id)

    as_user('operator')
    rejected = new("Tôi muốn tố cáo hàng xóm lấn chiếm đất.")
    rejected.reject_reason = "Nội dung là tố cáo, không thuộc phạm vi 1022."
    rejected.guidance = "Ông/Bà gửi đơn tố cáo đến Thanh tra tỉnh."
    rejected.click('reject')
    cases['rejected'] = Ticket(rejected.id)

    Publication = Model.get('pakn.portal.publication')
    config.user = 0
    publications = {p.ticket.id: p.id for p in Publication.find([])}
    json.dump({
            'users': {k: u.id for k, u in users.items()},
            'units': {k: u.id for k, u in units.items()},
            'password': PASSWORD,
            'phone': PHONE,
            'other_phone': OTHER_PHONE,
            'cases': {k: {
                    'id': t.id,
                    'code': t.code,
                    'state': t.state,
                    'publication': publications.get(t.id),
                    } for k, t in cases.items()},
            }, sys.stdout)


if __name__ == '__main__':
    main(*sys.argv[1:])
