#!/usr/bin/env python3
"""Create the demo database of the 1022 hotline back office.

Recreate the SQLite database from scratch, activate pakn_helpdesk, pakn_sms,
pakn_portal and pakn_report, set up Vietnamese, then load units, staff and 40
cases, each driven through its workflow by proteus as the users would,
pressing each button as the user whose role it is (see
pakn_helpdesk/tests/scenario_ticket_life.rst), and produce the office's
reports of the last month and of the year (copies in var/reports/).

Usage: python data/demo.py --database pakn_demo --config trytond.conf
"""
import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter

from proteus import Model, Wizard
from proteus import config as proteus_config

from trytond import config as trytond_config

PASSWORD = 'demo1022'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The demo's SMS go to this file (the file gateway), one JSON line each
SMS_LOG = os.path.join(ROOT, 'var', 'log', 'sms.log')
# Copies of the files of the demo's reports
REPORTS_DIR = os.path.join(ROOT, 'var', 'reports')
SEED = 1022
PROVINCE = "Tỉnh Hòa Bình Xanh"
CITY = "thành phố Lam Giang"
DISTRICT = "huyện Đồng Hòa"

# code, name, kind, parent code, phone, email, address
UNITS = [
    ('VP', "Văn phòng UBND tỉnh", 'province_office', None, '0218 3852 001', 'vpubnd@hoabinhxanh.gov.vn', f"Số 1 đường Trần Hưng Đạo, phường Hồng Hà, {CITY}"),
    ('SXD', "Sở Xây dựng", 'department', None, '0218 3852 120', 'sxd@hoabinhxanh.gov.vn', f"Số 15 đường Lê Lợi, phường Hồng Hà, {CITY}"),
    ('SYT', "Sở Y tế", 'department', None, '0218 3852 230', 'syt@hoabinhxanh.gov.vn', f"Số 2 đường Nguyễn Trãi, phường Tân Thịnh, {CITY}"),
    ('STNMT', "Sở Tài nguyên và Môi trường", 'department', None, '0218 3852 340', 'stnmt@hoabinhxanh.gov.vn', f"Số 8 đường An Dương Vương, phường Tân Thịnh, {CITY}"),
    ('SGTVT', "Sở Giao thông vận tải", 'department', None, '0218 3852 450', 'sgtvt@hoabinhxanh.gov.vn', f"Số 30 đường Trần Phú, phường Hồng Hà, {CITY}"),
    ('LG', "UBND thành phố Lam Giang", 'district', None, '0218 3861 100', 'ubnd.lamgiang@hoabinhxanh.gov.vn', f"Số 5 đường Hoàng Văn Thụ, phường Tân Thịnh, {CITY}"),
    ('LG-HH', "UBND phường Hồng Hà", 'commune', 'LG', '0218 3861 210', 'hongha.lamgiang@hoabinhxanh.gov.vn', f"Số 40 phố Hồng Hà, phường Hồng Hà, {CITY}"),
    ('LG-TT', "UBND phường Tân Thịnh", 'commune', 'LG', '0218 3861 320', 'tanthinh.lamgiang@hoabinhxanh.gov.vn', f"Số 12 đường Nguyễn Trãi, phường Tân Thịnh, {CITY}"),
    ('LG-TN', "UBND xã Thống Nhất", 'commune', 'LG', '0218 3861 430', 'thongnhat.lamgiang@hoabinhxanh.gov.vn', f"Xóm Đình, xã Thống Nhất, {CITY}"),
    ('DH', "UBND huyện Đồng Hòa", 'district', None, '0218 3870 100', 'ubnd.donghoa@hoabinhxanh.gov.vn', f"Khu 1, thị trấn Đồng Hòa, {DISTRICT}"),
    ('DH-TT', "UBND thị trấn Đồng Hòa", 'commune', 'DH', '0218 3870 210', 'thitran.donghoa@hoabinhxanh.gov.vn', f"Khu 2, thị trấn Đồng Hòa, {DISTRICT}"),
    ('DH-PL', "UBND xã Phú Lương", 'commune', 'DH', '0218 3870 320', 'phuluong.donghoa@hoabinhxanh.gov.vn', f"Xóm Trung, xã Phú Lương, {DISTRICT}"),
    ('DH-TM', "UBND xã Tân Minh", 'commune', 'DH', '0218 3870 430', 'tanminh.donghoa@hoabinhxanh.gov.vn', f"Xóm Chợ, xã Tân Minh, {DISTRICT}"),
    ('BDT', "Bưu điện tỉnh", 'post_office', None, '0218 3852 999', 'buudien@hoabinhxanh.gov.vn', f"Số 10 đường Trần Hưng Đạo, phường Hồng Hà, {CITY}"),
    ]

# login, full name, roles, focal point of, leader of
STAFF = [
    ('operator', "Trần Thị Thu Hà", ['operator'], [], []),
    ('office', "Nguyễn Thị Minh Ngọc", ['office'], ['VP'], []),
    ('specialist', "Lê Văn Đức", ['specialist'], ['SXD'], []),
    ('leader', "Phạm Quang Vinh", ['leader'], [], ['SXD']),
    ('syt.specialist', "Đỗ Thị Lan Anh", ['specialist'], ['SYT'], []),
    ('syt.leader', "Vũ Đình Khang", ['leader'], [], ['SYT']),
    ('stnmt.specialist', "Hoàng Minh Tuấn", ['specialist'], ['STNMT'], []),
    ('stnmt.leader', "Ngô Thị Thanh Hương", ['leader'], [], ['STNMT']),
    ('sgtvt.specialist', "Bùi Văn Long", ['specialist'], ['SGTVT'], []),
    ('sgtvt.leader', "Đinh Công Thành", ['leader'], [], ['SGTVT']),
    ('lg.specialist', "Trịnh Thu Trang", ['specialist'], ['LG'], []),
    ('lg.leader', "Lương Văn Bình", ['leader'], [], ['LG']),
    ('lg-hh.specialist', "Nguyễn Đức Anh", ['specialist'], ['LG-HH'], []),
    ('lg-tt.specialist', "Phan Thị Huyền", ['specialist'], ['LG-TT'], []),
    ('lg-tn.specialist', "Đặng Văn Toàn", ['specialist'], ['LG-TN'], []),
    ('dh.specialist', "Hà Thị Mai", ['specialist'], ['DH'], []),
    ('dh.leader', "Quách Văn Sơn", ['leader'], [], ['DH']),
    ('dh-tt.specialist', "Bùi Thị Hoa", ['specialist'], ['DH-TT'], []),
    ('dh-pl.specialist', "Xa Văn Chiến", ['specialist'], ['DH-PL'], []),
    ('dh-tm.specialist', "Đinh Thị Nga", ['specialist'], ['DH-TM'], []),
    ('bdt.specialist', "Lê Thị Hồng Nhung", ['specialist'], ['BDT'], []),
    ('bdt.leader', "Trần Văn Hải", ['leader'], [], ['BDT']),
    ]

# Buttons pressed to bring a new case to each state
PATHS = {
    'received': [],
    'clarification': ['request_clarification'],
    'rejected': ['reject'],
    'duplicate': ['mark_duplicate'],
    'answered': ['answer_directly'],
    'forwarded': ['forward'],
    'processing': ['forward', 'accept'],
    'waiting_approval': ['forward', 'accept', 'submit'],
    'approved': ['forward', 'accept', 'submit', 'approve'],
    'published': ['forward', 'accept', 'submit', 'approve', 'publish'],
    'sent_privately': [
        'forward', 'accept', 'submit', 'approve', 'send_privately'],
    }
# How many days ago cases of each target state were received
AGE = {
    'received': (0, 2), 'clarification': (1, 4), 'rejected': (3, 20),
    'answered': (2, 30), 'forwarded': (1, 5), 'processing': (3, 10),
    'waiting_approval': (5, 12), 'approved': (6, 14), 'published': (10, 35),
    'sent_privately': (10, 35), 'closed': (20, 42),
    }


# The 40 cases, by target state t (cases further along were received
# earlier). ch: channel; unit: lead unit, coord: coordinating units and
# contrib: their contributions; wrong: the unit first forwarded to, which
# returns the case with ret; clarify (and supplement): the clarification
# asked (and given); draft and remarks: the first draft the leader sends
# back; dup: the key of the case it repeats; via: the state a closed case
# went through; steps: the buttons, when not derived from t (see PATHS).
HH, TT = f"phường Hồng Hà, {CITY}", f"phường Tân Thịnh, {CITY}"
CASES = [
    dict(t='received', ch='phone', urgent=True, name="Nguyễn Văn Hùng", phone='0912 345 678', addr=f"Số 18 đường Cù Chính Lan, {HH}", field='cay_xanh', cat='hp2024_1',
        content="Cây xà cừ lớn trước số nhà 20 đường Cù Chính Lan bị bật gốc sau cơn giông tối qua, đổ chắn ngang một nửa lòng đường, xe máy phải đi lên vỉa hè rất nguy hiểm. Đề nghị cơ quan chức năng khẩn trương cắt dọn.",
        place="Trước số 20 đường Cù Chính Lan, phường Hồng Hà"),
    dict(t='received', ch='web', org=True, name="Công ty TNHH Xây dựng Minh Phát", phone='0218 3861 245', email='minhphat.xd@gmail.com', addr=f"Số 56 đường Trần Hưng Đạo, {TT}", field='xay_dung', cat='dn2017_1',
        content="Công ty chúng tôi dự kiến xây dựng nhà xưởng 2 tầng tại Cụm công nghiệp Đồng Hòa. Đề nghị hướng dẫn hồ sơ, trình tự cấp giấy phép xây dựng và thời gian giải quyết theo quy định hiện hành."),
    dict(t='received', ch='zalo', steps='forward return_case', wrong='SXD', name="Lê Thị Thu Trang", phone='0983 456 123', addr=f"Tổ 7, {TT}", field='an_ninh', cat='hp2024_2',
        content="Quán karaoke tại số 102 đường Hoàng Văn Thụ thường xuyên hát đến 1–2 giờ sáng, âm thanh rất lớn, ảnh hưởng đến giấc ngủ của người già và trẻ nhỏ trong khu dân cư. Đề nghị kiểm tra, xử lý.",
        place="Số 102 đường Hoàng Văn Thụ, phường Tân Thịnh",
        ret="Tiếng ồn từ cơ sở karaoke thuộc thẩm quyền kiểm tra, xử lý của UBND thành phố Lam Giang và Công an thành phố, không thuộc lĩnh vực xây dựng."),
    dict(t='received', ch='chatbot', name="Phạm Minh Tuấn", phone='0357 112 233', addr=f"Xóm Mới, xã Phú Lương, {DISTRICT}", field='giao_duc', cat='hp2024_5',
        content="Con tôi sinh tháng 11/2019, gia đình mới chuyển hộ khẩu về xã Phú Lương. Xin hỏi đăng ký tuyển sinh vào lớp 1 năm học tới cần những giấy tờ gì và nộp trực tuyến ở đâu?"),
    dict(t='clarification', ch='app', name="Hoàng Văn Nam", phone='0868 224 466', addr=f"Khu 4, thị trấn Đồng Hòa, {DISTRICT}", field='giao_thong', cat='gl2021_5',
        content="Đường vào thị trấn có nhiều ổ gà lớn, trời mưa đọng nước, đã có người đi xe máy bị ngã. Đề nghị sửa chữa.",
        clarify="Đề nghị Ông/Bà cung cấp vị trí cụ thể (tên đường, lý trình hoặc địa danh gần nhất) và hình ảnh hiện trạng để chuyển đơn vị xử lý."),
    dict(t='clarification', ch='facebook', name="Đặng Thị Hồng", phone='0707 334 455', field='moi_truong', cat='hp2024_2',
        content="Có người thường xuyên đổ trộm rác thải xây dựng và rác sinh hoạt ra bãi đất trống cạnh bờ sông vào ban đêm, bốc mùi hôi thối. Đề nghị chính quyền xử lý.",
        clarify="Đề nghị Ông/Bà cho biết vị trí bãi đất (thuộc tổ, phường nào), địa chỉ liên hệ của Ông/Bà và hình ảnh nếu có."),
    dict(t='rejected', ch='phone', name="Quách Văn Thắng", phone='0393 555 777', addr=f"Xóm Bãi, xã Tân Minh, {DISTRICT}", field='dat_dai', cat='complaint',
        content="Tôi tố cáo cán bộ địa chính xã Tân Minh đòi gia đình tôi nộp thêm 5 triệu đồng ngoài quy định mới nhận hồ sơ cấp giấy chứng nhận quyền sử dụng đất.",
        reject="Nội dung tố cáo hành vi của cán bộ, công chức, không thuộc phạm vi tiếp nhận, xử lý của Tổng đài 1022."),
    dict(t='rejected', ch='facebook', steps='request_clarification reject', name="Vũ Minh Châu", phone='0779 246 810', field='giao_thong', cat='hp2024_2',
        content="Đường chỗ nhà tôi xuống cấp lâu rồi mà không ai sửa, đề nghị xem xét.",
        clarify="Đề nghị Ông/Bà cung cấp địa chỉ cụ thể của tuyến đường và địa chỉ liên hệ.",
        reject="Quá 05 ngày làm việc kể từ ngày đề nghị bổ sung, Ông/Bà chưa cung cấp vị trí tuyến đường nên không đủ cơ sở chuyển xử lý.",
        guidance="Đề nghị Ông/Bà gửi lại phản ánh qua Tổng đài 1022 với đầy đủ địa chỉ tuyến đường và thông tin liên hệ."),
    dict(t='duplicate', ch='zalo', dup='flood', name="Trần Văn Lâm", phone='0822 135 791', addr=f"Số 40 đường Lê Lợi, {HH}", field='nuoc', cat='hp2024_1',
        content="Đường Lê Lợi đoạn trước chợ Hồng Hà lại bị ngập sâu sau trận mưa chiều nay, nước tràn vào nhà dân."),
    dict(t='duplicate', ch='phone', dup='outage', name="Bùi Thị Thơm", phone='0563 777 222', addr=f"Xóm Đồi, xã Phú Lương, {DISTRICT}", field='dien', cat='hp2024_1',
        content="Xóm Đồi, xã Phú Lương mất điện từ sáng đến giờ chưa có lại, đề nghị kiểm tra."),
    dict(t='answered', ch='phone', name="Ngô Thị Bích", phone='0915 246 357', addr=f"Số 9 ngõ 12 đường Nguyễn Trãi, {TT}", field='bhxh', cat='dn2017_1',
        content="Thẻ bảo hiểm y tế hộ gia đình của tôi sắp hết hạn. Xin hỏi gia hạn ở đâu và có thể đóng trực tuyến được không?",
        result="Ông/Bà có thể gia hạn thẻ bảo hiểm y tế hộ gia đình tại đại lý thu bảo hiểm xã hội ở UBND phường Tân Thịnh, tại Bảo hiểm xã hội thành phố Lam Giang hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia. Nên gia hạn trước ngày thẻ hết hạn để quyền lợi khám chữa bệnh không bị gián đoạn."),
    dict(t='answered', ch='chatbot', name="Lương Văn Khải", phone='0966 135 246', addr=f"Xóm Chợ, xã Tân Minh, {DISTRICT}", field='dat_dai', cat='gl2021_2',
        content="Tôi nộp hồ sơ cấp đổi giấy chứng nhận quyền sử dụng đất tại bộ phận một cửa huyện Đồng Hòa được 2 tuần. Làm thế nào để tra cứu tình trạng hồ sơ?",
        result="Ông/Bà tra cứu tình trạng hồ sơ trên Cổng Dịch vụ công của tỉnh bằng mã hồ sơ ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả, hoặc quét mã QR in trên giấy này. Nếu đã quá ngày hẹn mà chưa có kết quả, Ông/Bà liên hệ Chi nhánh Văn phòng đăng ký đất đai huyện Đồng Hòa để được giải thích."),
    dict(t='answered', ch='national_portal', name="Đinh Thị Hạnh", phone='0978 642 531', addr=f"Số 3 đường Trần Phú, {HH}", field='buu_chinh', cat='dn2017_6',
        content="Tôi muốn nhận kết quả thủ tục cấp phiếu lý lịch tư pháp tại nhà qua đường bưu điện. Xin hỏi đăng ký như thế nào và chi phí bao nhiêu?",
        result="Khi nộp hồ sơ trực tiếp hoặc trực tuyến, Ông/Bà chọn hình thức “Nhận kết quả qua dịch vụ bưu chính công ích” và ghi địa chỉ nhận. Cước phí do Bưu điện tỉnh thu khi giao kết quả theo bảng giá hiện hành; mọi thắc mắc Ông/Bà liên hệ Bưu điện tỉnh qua số 0218 3852 999."),
    dict(t='forwarded', ch='web', name="Phan Văn Quý", phone='0904 112 358', email='phanquy.lg@gmail.com', addr=f"Số 77 đường Hoàng Văn Thụ, {TT}", field='cay_xanh', cat='gl2021_5', unit='LG', coord=['LG-TT'],
        content="Toàn bộ đèn chiếu sáng công cộng trên đường Hoàng Văn Thụ, đoạn từ số nhà 60 đến 98, không sáng gần một tuần nay, buổi tối rất tối, tiềm ẩn nguy cơ mất an ninh và tai nạn giao thông.",
        place="Đường Hoàng Văn Thụ, đoạn từ số 60 đến 98, phường Tân Thịnh",
        contrib={'LG-TT': "Phường Tân Thịnh đã kiểm tra: 6 bóng đèn từ số nhà 60 đến 98 không sáng do tủ điện chiếu sáng hỏng aptomat."}),
    dict(t='forwarded', ch='email', name="Nguyễn Thị Hoa", phone='0916 357 468', email='nguyenhoa.dh@gmail.com', addr=f"Xóm Trung, xã Phú Lương, {DISTRICT}", field='dat_dai', cat='dn2017_1', unit='STNMT',
        content="Gia đình tôi được giao đất tái định cư khi Nhà nước làm đường tỉnh. Xin hỏi trường hợp này có được miễn, giảm tiền sử dụng đất không và cần chuẩn bị hồ sơ gì?"),
    dict(t='forwarded', ch='national_portal', secret="07/VPUB-M", unit='SGTVT'),
    dict(t='forwarded', ch='app', urgent=True, name="Trịnh Văn Hải", phone='0945 268 379', addr=f"Số 5 phố Hồng Hà, {HH}", field='nuoc', cat='hp2024_1', unit='LG', coord=['SXD'],
        content="Đường ống cấp nước trước số 5 phố Hồng Hà bị vỡ, nước phun mạnh lên mặt đường từ 6 giờ sáng, các hộ xung quanh bị mất nước sinh hoạt.",
        place="Trước số 5 phố Hồng Hà, phường Hồng Hà",
        contrib={'SXD': "Sở Xây dựng đã đề nghị Công ty Cổ phần Cấp nước Lam Giang cử đội sửa chữa khắc phục ngay trong ngày."}),
    dict(t='processing', ch='phone', key='outage', urgent=True, name="Xa Thị Liên", phone='0396 147 258', addr=f"Xóm Đồi, xã Phú Lương, {DISTRICT}", field='dien', cat='hp2024_1', unit='DH', coord=['DH-PL'],
        content="Xóm Đồi, xã Phú Lương mất điện 3–4 lần mỗi ngày trong tuần này, có lần mất cả buổi tối. Thực phẩm trong tủ lạnh hỏng, học sinh không học bài được. Đề nghị ngành điện kiểm tra, khắc phục.",
        place="Xóm Đồi, xã Phú Lương",
        contrib={'DH-PL': "UBND xã Phú Lương xác nhận: xóm Đồi và xóm Trung mất điện nhiều lần trong tuần, mỗi lần từ 2 đến 5 giờ."}),
    dict(t='processing', ch='web', name="Hà Văn Dũng", phone='0912 864 297', email='havandung1975@gmail.com', addr=f"Số 14 đường Trần Quốc Toản, {TT}", field='dat_dai', cat='gl2021_2', unit='STNMT', coord=['LG'],
        content="Tôi nộp hồ sơ đăng ký biến động đất đai (nhận chuyển nhượng) tại bộ phận một cửa hơn 2 tháng trước, đã quá hạn trả kết quả 30 ngày nhưng chưa nhận được giấy chứng nhận, cũng không có văn bản xin lỗi, hẹn lại. Đề nghị xem xét.",
        contrib={'LG': "UBND thành phố Lam Giang đã hoàn thiện hồ sơ đo đạc và chuyển Văn phòng đăng ký đất đai tỉnh."}),
    dict(t='processing', ch='zalo', name="Đỗ Văn Thành", phone='0973 258 147', addr=f"Số 31 đường Nguyễn Trãi, {TT}", field='cay_xanh', cat='gl2021_5', unit='LG',
        content="Cây bằng lăng trước cổng trường bị mục gốc, nghiêng hẳn ra đường, nhiều cành khô. Mùa mưa bão sắp tới rất nguy hiểm cho học sinh. Đề nghị kiểm tra, cắt tỉa hoặc thay thế.",
        clarify="Đề nghị Ông/Bà cho biết tên trường và địa chỉ cụ thể của cây.",
        supplement="Bổ sung: cây ở trước cổng Trường Tiểu học Tân Thịnh, số 31 đường Nguyễn Trãi."),
    dict(t='processing', ch='facebook', name="Bùi Văn Tiến", phone='0836 471 592', addr=f"Khu 3, thị trấn Đồng Hòa, {DISTRICT}", field='y_te', cat='hp2024_2', unit='SYT', coord=['DH-TT'],
        content="Khu 3 thị trấn Đồng Hòa đã có 5 người mắc sốt xuất huyết trong 2 tuần nhưng chưa thấy phun thuốc diệt muỗi. Đề nghị ngành y tế phun hóa chất và hướng dẫn người dân phòng bệnh.",
        contrib={'DH-TT': "Thị trấn Đồng Hòa đã huy động đoàn viên thanh niên ra quân diệt bọ gậy, phát quang bụi rậm tại Khu 3."}),
    dict(t='waiting_approval', ch='phone', name="Lý Thị Kim Oanh", phone='0988 246 135', addr=f"Tổ 12, {TT}", field='moi_truong', cat='hp2024_2', unit='LG', coord=['LG-TT'],
        content="Tổ 12 phường Tân Thịnh đã 5 ngày không có xe thu gom rác, rác ùn ứ ở đầu ngõ bốc mùi, ruồi nhặng nhiều. Đề nghị thu gom ngay và bảo đảm lịch thu gom hằng ngày.",
        contrib={'LG-TT': "Phường Tân Thịnh đã làm việc với đơn vị thu gom: xe ép rác bị hỏng, đơn vị đã bố trí xe thay thế."},
        result="UBND thành phố Lam Giang đã chỉ đạo Công ty Cổ phần Môi trường đô thị Lam Giang thu gom toàn bộ rác tồn đọng tại Tổ 12, phường Tân Thịnh trong ngày. Từ nay rác được thu gom hằng ngày từ 17 giờ đến 19 giờ; UBND phường Tân Thịnh giám sát việc thu gom."),
    dict(t='waiting_approval', ch='email', name="Trần Thị Mai Phương", phone='0919 753 864', email='maiphuong.tran@gmail.com', addr=f"Số 2 ngõ 5 đường Lê Lợi, {HH}", field='bhxh', cat='hp2024_2', unit='SYT',
        content="Mẹ tôi có thẻ bảo hiểm y tế, khi điều trị nội trú tại Bệnh viện Đa khoa tỉnh vẫn phải tự mua một số thuốc với tổng số tiền gần 3 triệu đồng. Xin hỏi như vậy có đúng quy định không?",
        result="Bệnh viện Đa khoa tỉnh báo cáo một số thuốc theo chỉ định tạm thời thiếu do chậm cung ứng; việc đề nghị người bệnh tự mua là chưa đúng quy định. Sở Y tế đã yêu cầu bệnh viện hoàn trả chi phí thuốc cho người bệnh theo quy định về bảo hiểm y tế. Đề nghị gia đình mang hóa đơn mua thuốc đến Phòng Tài chính kế toán của bệnh viện để được hoàn trả."),
    dict(t='waiting_approval', ch='app', name="Vi Văn Toản", phone='0869 357 246', addr=f"Xóm Ké, xã Tân Minh, {DISTRICT}", field='buu_chinh', cat='gl2021_3', unit='BDT',
        content="Tôi đăng ký nhận kết quả cấp đổi giấy phép lái xe qua dịch vụ bưu chính công ích, đã quá ngày hẹn 10 ngày nhưng chưa nhận được và không có ai liên hệ.",
        result="Bưu điện tỉnh đã kiểm tra: bưu gửi của Ông/Bà đến bưu cục Đồng Hòa đúng hạn nhưng nhân viên không liên hệ được theo số điện thoại đăng ký nên bưu gửi còn lưu tại bưu cục. Bưu điện tỉnh xin lỗi vì chậm thông báo; bưu gửi sẽ được phát tận nhà cho Ông/Bà trong ngày làm việc tiếp theo."),
    dict(t='approved', ch='web', name="Nguyễn Hữu Phước", phone='0914 582 736', email='huuphuoc.ng@gmail.com', addr=f"Số 88 đường Trần Hưng Đạo, {HH}", field='xay_dung', cat='gl2021_5', unit='SXD',
        content="Công trình xây nhà ở tại số 92 đường Trần Hưng Đạo tập kết cát, gạch chiếm toàn bộ vỉa hè và một phần lòng đường, không có rào chắn, biển báo, buổi tối rất nguy hiểm.",
        place="Số 92 đường Trần Hưng Đạo, phường Hồng Hà",
        result="Sở Xây dựng đã phối hợp với UBND phường Hồng Hà kiểm tra, lập biên bản vi phạm hành chính đối với chủ công trình tại số 92 đường Trần Hưng Đạo về hành vi tập kết vật liệu xây dựng trên vỉa hè, lòng đường. Chủ công trình đã thu dọn vật liệu, lắp rào chắn và biển báo theo quy định."),
    dict(t='approved', ch='phone', key='school', name="Đặng Quốc Bảo", phone='0977 864 213', addr=f"Tổ 4, {HH}", field='giao_duc', cat='hp2024_2', unit='LG',
        content="Khu đô thị mới phía Bắc phường Hồng Hà có hơn 300 hộ dân nhưng không được phân tuyến tuyển sinh vào Trường Tiểu học Hồng Hà gần nhà mà phải học cách 4 km. Đề nghị xem xét điều chỉnh phân tuyến.",
        result="UBND thành phố Lam Giang đã chỉ đạo Phòng Giáo dục và Đào tạo rà soát địa bàn tuyển sinh. Từ năm học tới, khu đô thị mới phía Bắc phường Hồng Hà được bổ sung vào địa bàn tuyển sinh của Trường Tiểu học Hồng Hà; kế hoạch tuyển sinh được niêm yết tại UBND phường."),
    dict(t='approved', ch='national_portal', conf=True, name="Hà Thị Nhung", phone='0946 173 825', addr=f"Xóm Chợ, xã Tân Minh, {DISTRICT}", field='xay_dung', cat='gl2021_5', unit='DH',
        content="Một hộ dân tại xóm Chợ, xã Tân Minh đang xây nhà 3 tầng lấn sang hành lang an toàn đường bộ và một phần ngõ đi chung. Đề nghị giữ bí mật thông tin của tôi vì là hàng xóm.",
        result="UBND huyện Đồng Hòa đã chỉ đạo UBND xã Tân Minh kiểm tra, xác định công trình xây dựng lấn 1,2 m hành lang an toàn đường bộ. UBND xã đã xử phạt vi phạm hành chính và buộc chủ hộ tháo dỡ phần lấn chiếm trong 15 ngày. Thông tin của Ông/Bà được giữ bí mật."),
    dict(t='published', ch='phone', key='flood', urgent=True, name="Nguyễn Văn An", phone='0912 478 523', addr=f"Số 12 đường Lê Lợi, {HH}", field='nuoc', cat='hp2024_1', unit='SXD', coord=['LG'],
        content="Đường Lê Lợi đoạn từ ngã tư Trần Phú đến chợ Hồng Hà bị ngập sâu 30–40 cm sau mỗi trận mưa lớn, nước tràn vào nhà dân, xe máy chết máy giữa đường. Đề nghị nạo vét cống thoát nước.",
        place="Đường Lê Lợi, đoạn từ ngã tư Trần Phú đến chợ Hồng Hà",
        contrib={'LG': "UBND thành phố Lam Giang đã bố trí lực lượng khơi thông tạm thời các hố ga tại ngã tư Lê Lợi – Trần Phú."},
        draft="Sở Xây dựng đã chỉ đạo nạo vét cống thoát nước trên đường Lê Lợi.",
        remarks="Đề nghị nêu rõ khối lượng đã thực hiện, thời gian hoàn thành và giải pháp lâu dài.",
        result="Sở Xây dựng đã chỉ đạo Công ty TNHH MTV Thoát nước đô thị nạo vét 350 m cống và 24 hố ga trên đường Lê Lợi, đoạn từ ngã tư Trần Phú đến chợ Hồng Hà, hoàn thành trong 5 ngày. Về lâu dài, tuyến cống được đưa vào dự án cải tạo hệ thống thoát nước thành phố Lam Giang, dự kiến thi công trong quý tới."),
    dict(t='published', ch='web', urgent=True, name="Lương Thị Hằng", phone='0935 624 718', email='luonghang.lg@gmail.com', addr=f"Số 150 đường An Dương Vương, {TT}", field='giao_thong', cat='hp2024_1', unit='SGTVT',
        content="Đèn tín hiệu giao thông tại nút giao An Dương Vương – Nguyễn Trãi bị tắt từ 2 ngày nay, giờ cao điểm xe cộ đi lộn xộn, đã xảy ra va chạm. Đề nghị sửa chữa gấp.",
        place="Nút giao An Dương Vương – Nguyễn Trãi",
        result="Sở Giao thông vận tải đã chỉ đạo đơn vị quản lý, vận hành thay bộ điều khiển đèn tín hiệu bị hỏng do sét đánh; đèn tại nút giao An Dương Vương – Nguyễn Trãi đã hoạt động bình thường. Trong thời gian sửa chữa, Cảnh sát giao thông đã bố trí người điều tiết vào giờ cao điểm."),
    dict(t='published', ch='email', name="Đinh Văn Cường", phone='0913 246 578', email='dinhcuong.hbx@gmail.com', addr=f"Xóm Trên, xã Phú Lương, {DISTRICT}", field='dat_dai', cat='dn2017_1', unit='STNMT',
        content="Tôi muốn tặng cho con trai một phần thửa đất ở đã có giấy chứng nhận. Xin hướng dẫn hồ sơ, nơi nộp và các khoản thuế, phí phải nộp.",
        result="Hồ sơ gồm: hợp đồng tặng cho quyền sử dụng đất đã công chứng hoặc chứng thực; đơn đăng ký biến động đất đai; bản gốc giấy chứng nhận; hồ sơ tách thửa nếu tặng cho một phần thửa đất. Ông/Bà nộp tại bộ phận một cửa huyện Đồng Hòa hoặc trực tuyến trên Cổng Dịch vụ công. Tặng cho giữa cha mẹ và con được miễn thuế thu nhập cá nhân và lệ phí trước bạ."),
    dict(t='published', ch='zalo', wrong='SYT', name="Nguyễn Thị Lan", phone='0987 135 642', addr=f"Xóm Bãi, xã Tân Minh, {DISTRICT}", field='moi_truong', cat='hp2024_2', unit='DH', coord=['DH-TM'],
        content="Bãi rác tự phát cạnh Trạm Y tế xã Tân Minh ngày càng lớn, bốc mùi hôi, nước rỉ rác chảy ra mương thủy lợi. Người dân đến khám bệnh rất khó chịu. Đề nghị xử lý.",
        place="Cạnh Trạm Y tế xã Tân Minh",
        ret="Nội dung phản ánh về bãi rác tự phát thuộc thẩm quyền quản lý của UBND huyện Đồng Hòa, không thuộc lĩnh vực y tế.",
        contrib={'DH-TM': "UBND xã Tân Minh đã khảo sát: bãi rác khoảng 15 m³, chủ yếu là rác sinh hoạt của các hộ xóm Bãi do chưa có điểm tập kết."},
        result="UBND huyện Đồng Hòa đã chỉ đạo UBND xã Tân Minh thu dọn toàn bộ 15 m³ rác cạnh Trạm Y tế xã, phun chế phẩm khử mùi, lắp biển cấm đổ rác. Rác sinh hoạt của xóm Bãi được thu gom 3 lần mỗi tuần tại điểm tập kết đúng quy định."),
    dict(t='published', ch='app', name="Cao Văn Minh", phone='0398 521 463', addr=f"Số 6 đường Trần Phú, {HH}", field='cay_xanh', cat='gl2021_5', unit='LG', coord=['LG-HH'],
        content="Tán cây sấu trên đường Trần Phú mọc rậm che kín đèn chiếu sáng, buổi tối vỉa hè rất tối. Đề nghị cắt tỉa cành trước mùa mưa bão.",
        contrib={'LG-HH': "Phường Hồng Hà xác nhận 8 cây sấu trên đường Trần Phú có tán che khuất đèn chiếu sáng."},
        result="UBND thành phố Lam Giang đã giao Ban Quản lý công trình công cộng cắt tỉa 8 cây sấu trên đường Trần Phú và thay 3 bóng đèn chiếu sáng hỏng. Công việc đã hoàn thành."),
    dict(t='sent_privately', ch='phone', conf=True, name="Trần Quang Huy", phone='0916 482 573', addr=f"Số 45 đường Nguyễn Trãi, {TT}", field='y_te', cat='hp2024_2', unit='SYT',
        content="Nhà thuốc trên đường Nguyễn Trãi gần chợ Tân Thịnh bán thuốc kháng sinh, thuốc an thần cho người mua không có đơn thuốc. Đề nghị kiểm tra và giữ bí mật thông tin người phản ánh.",
        result="Sở Y tế đã kiểm tra đột xuất nhà thuốc nêu trên, phát hiện cơ sở bán thuốc kê đơn không có đơn thuốc, đã xử phạt vi phạm hành chính và yêu cầu cơ sở chấn chỉnh. Thông tin của Ông/Bà được giữ bí mật."),
    dict(t='sent_privately', ch='email', conf=True, name="Phạm Thị Thu Hiền", phone='0984 627 135', email='thuhien.pham@gmail.com', addr=f"Tổ 9, {HH}", field='giao_duc', cat='hp2024_2', unit='LG',
        content="Giáo viên chủ nhiệm lớp 4 của một trường tiểu học trên địa bàn phường Hồng Hà dạy thêm tại nhà cho chính học sinh lớp mình, thu 600.000 đồng mỗi tháng. Đề nghị kiểm tra và không công khai thông tin của tôi.",
        result="UBND thành phố Lam Giang đã chỉ đạo Phòng Giáo dục và Đào tạo xác minh: giáo viên có dạy thêm cho học sinh lớp mình chủ nhiệm, trái quy định về dạy thêm, học thêm. Nhà trường đã yêu cầu giáo viên chấm dứt dạy thêm, hoàn trả tiền đã thu và kiểm điểm theo quy định."),
    dict(t='sent_privately', ch='facebook', conf=True, name="Hà Văn Sáng", phone='0362 715 948', addr=f"Xóm Ven Sông, xã Phú Lương, {DISTRICT}", field='moi_truong', cat='gl2021_5', unit='STNMT', coord=['DH'],
        content="Có 2 tàu hút cát hoạt động ban đêm trên sông Lam đoạn qua xóm Ven Sông, xã Phú Lương, gây sạt lở bờ sông, đe dọa nhà dân. Đề nghị kiểm tra và giữ bí mật danh tính người phản ánh.",
        contrib={'DH': "UBND huyện Đồng Hòa đã phối hợp Công an huyện tuần tra ban đêm 2 đợt, tạm giữ 1 tàu hút cát không có giấy phép."},
        result="Sở Tài nguyên và Môi trường đã phối hợp với UBND huyện Đồng Hòa và Công an tỉnh lập biên bản, tạm giữ 01 tàu hút cát khai thác trái phép trên sông Lam đoạn qua xã Phú Lương và duy trì tuần tra ban đêm. Danh tính của Ông/Bà được giữ bí mật."),
    dict(t='closed', via='published', ch='web', name="Vũ Thị Ngọc Ánh", phone='0903 715 264', email='ngocanh.vu@gmail.com', addr=f"Số 21 đường Trần Hưng Đạo, {TT}", field='xay_dung', cat='hp2024_2', unit='SXD',
        content="Công trình tòa nhà văn phòng tại số 25 đường Trần Hưng Đạo đổ bê tông, chạy máy khoan đến 23 giờ đêm, gây ồn và bụi. Đề nghị yêu cầu thi công đúng giờ.",
        result="Sở Xây dựng đã yêu cầu nhà thầu công trình tại số 25 đường Trần Hưng Đạo không thi công gây tiếng ồn từ 22 giờ đến 6 giờ sáng hôm sau, che chắn và tưới nước chống bụi. Nhà thầu đã cam kết thực hiện; UBND phường Tân Thịnh giám sát việc chấp hành."),
    dict(t='closed', via='answered', ch='phone', name="Lò Văn Pọm", phone='0971 468 253', addr=f"Xóm Mường, xã Tân Minh, {DISTRICT}", field='tthc', cat='dn2017_1',
        content="Tôi bị mất bản chính giấy khai sinh, xin hỏi xin cấp bản sao giấy khai sinh ở đâu?",
        result="Ông/Bà đề nghị cấp bản sao trích lục khai sinh tại UBND xã Tân Minh, nơi đã đăng ký khai sinh, hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia. Hồ sơ gồm tờ khai theo mẫu và giấy tờ tùy thân; kết quả trả trong ngày nếu nộp trước 15 giờ."),
    dict(t='closed', via='rejected', ch='email', name="Mai Văn Đông", phone='0977 351 864', email='maivandong62@gmail.com', addr=f"Xóm Trung, xã Phú Lương, {DISTRICT}", field='dat_dai', cat='gl2021_7',
        content="Nhà hàng xóm xây tường rào lấn sang đất nhà tôi khoảng 30 cm, hai bên đã cãi nhau nhiều lần. Đề nghị Tổng đài giải quyết buộc họ phá tường.",
        reject="Nội dung là tranh chấp đất đai giữa các hộ gia đình, phải được hòa giải tại UBND cấp xã theo Luật Đất đai, không thuộc phạm vi xử lý của Tổng đài 1022.",
        guidance="Đề nghị Ông/Bà gửi đơn đề nghị hòa giải tranh chấp đất đai đến UBND xã Phú Lương; nếu hòa giải không thành, Ông/Bà đề nghị UBND huyện Đồng Hòa giải quyết hoặc khởi kiện tại Tòa án nhân dân huyện Đồng Hòa."),
    dict(t='closed', via='duplicate', ch='chatbot', dup='school', name="Đặng Thị Thu", phone='0388 642 715', addr=f"Khu đô thị Bắc Hồng Hà, {HH}", field='giao_duc', cat='hp2024_2',
        content="Con tôi năm nay vào lớp 1, nhà ở khu đô thị phía Bắc phường Hồng Hà nhưng bị phân tuyến học ở trường cách 4 km. Đề nghị cho học Trường Tiểu học Hồng Hà."),
    dict(t='closed', via='sent_privately', ch='zalo', conf=True, name="Hoàng Thị Yến", phone='0858 246 913', addr=f"Khu 2, thị trấn Đồng Hòa, {DISTRICT}", field='y_te', cat='hp2024_2', unit='SYT',
        content="Một phòng khám tư ở Khu 2 thị trấn Đồng Hòa quảng cáo chữa xương khớp bằng tiêm thuốc, nghi không có giấy phép. Nhiều người sau khi tiêm bị sưng đau. Đề nghị kiểm tra, giữ bí mật thông tin người phản ánh.",
        result="Sở Y tế đã phối hợp với Trung tâm Y tế huyện Đồng Hòa kiểm tra: cơ sở không có giấy phép hoạt động khám bệnh, chữa bệnh. Sở Y tế đã đình chỉ hoạt động, xử phạt vi phạm hành chính và chuyển hồ sơ đến cơ quan công an xem xét theo thẩm quyền. Thông tin của Ông/Bà được giữ bí mật."),
    ]


def recreate_database(database, config_file, tmpdir):
    """Drop the SQLite file and create the database with the modules;
    return its path and the configuration files to use"""
    trytond_config.update_etc(config_file)
    uri = trytond_config.get('database', 'uri')
    if not uri.startswith('sqlite'):
        sys.exit(f"demo.py only handles SQLite databases, not {uri!r}")
    directory = trytond_config.get('database', 'path')
    config_files = [config_file]
    if not os.path.isabs(directory):
        # trytond makes the URI file:///var/db/... of a relative var/db
        directory = os.path.abspath(directory)
        config_files.append(os.path.join(tmpdir, 'path.conf'))
        with open(config_files[-1], 'w') as overlay:
            overlay.write(f"[database]\npath = {directory}\n")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, database + '.sqlite')
    for suffix in ['', '-journal', '-shm', '-wal']:
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    open(path, 'wb').close()  # trytond-admin opens but does not create it
    passfile = os.path.join(tmpdir, 'password')
    with open(passfile, 'w') as file:
        file.write(PASSWORD + '\n')
    subprocess.run([
            sys.executable, '-m', 'trytond.cli.admin', '-c', *config_files,
            '-d', database, '-u', 'pakn_helpdesk', 'pakn_sms', 'pakn_portal',
            'pakn_report', '--activate-dependencies'],
        # no admin email: trytond checks that its domain receives mail
        # (admin@example.com fails); the empty answer to its prompt
        input='\n', text=True, stdout=subprocess.DEVNULL,
        env=dict(os.environ, TRYTONPASSFILE=passfile), check=True)
    return path, config_files


def setup_vietnamese():
    "Make Vietnamese translatable and load the translations of the modules"
    Lang = Model.get('ir.lang')
    vi, = Lang.find([('code', '=', 'vi')])  # pakn_helpdesk/data/lang.xml
    vi.click('load_translations')  # reads each module's locale/vi.po
    return Lang(vi.id)


def setup_organisation(vi):
    "Configure the province, create the units and the staff"
    Configuration = Model.get('pakn.configuration')
    Unit = Model.get('pakn.unit')
    User = Model.get('res.user')
    Group = Model.get('res.group')

    Profile = Model.get('pakn.sla.profile')
    configuration = Configuration(1)
    configuration.province = PROVINCE
    # the province runs on the Gia Lai rules: escalation to the unit head,
    # then to the supervising office
    configuration.sla_profile, = Profile.find([('code', '=', 'GL2021')])
    # SMS through the file gateway (a brand-name provider's HTTP API or an
    # SMSC in production: see the gateway's form)
    os.makedirs(os.path.dirname(SMS_LOG), exist_ok=True)
    if os.path.exists(SMS_LOG):
        os.remove(SMS_LOG)  # the messages of the previous demo database
    gateway = Model.get('pakn.sms.gateway')(
        name="Tệp nhật ký (demo)", kind='file', sender="1022 HBX",
        file_path=SMS_LOG, price=800, rate_limit=600)
    gateway.save()
    configuration.sms_gateway = gateway
    configuration.tracking_url = 'http://localhost:5000/tra-cuu/${code}'
    configuration.save()

    units = {}
    for code, name, kind, parent, phone, email, address in UNITS:
        unit = units[code] = Unit(
            code=code, name=name, kind=kind, parent=units.get(parent),
            supervising_office=(kind == 'province_office'), phone=phone,
            email=email, address=address)
        unit.save()

    get_id = Model.get('ir.model.data').get_id
    groups = {role: get_id('pakn_helpdesk', 'group_' + role, {}) for role in
        ['admin', 'operator', 'specialist', 'leader', 'office']}
    admin, = User.find([('login', '=', 'admin')])
    admin.groups.extend(Group(g) for g in groups.values()
        if g not in {g.id for g in admin.groups})
    admin.password = PASSWORD
    admin.language = vi
    admin.save()
    users = {'admin': admin.id}
    # staff start their day on their queue
    Action = Model.get('ir.action')
    my_queue = get_id('pakn_helpdesk', 'act_ticket_mine', {})
    for i, (login, name, roles, focal_of, leader_of) in enumerate(STAFF):
        # fictional mobiles, for the transfer slips and escalations
        user = User(login=login, name=name, password=PASSWORD, language=vi,
            pakn_mobile='0911 000 %03d' % (i + 1))
        user.actions.append(Action(my_queue))
        user.groups.extend(Group(groups[r]) for r in roles)
        user.pakn_focal_units.extend(Unit(units[c].id) for c in focal_of)
        user.pakn_led_units.extend(Unit(units[c].id) for c in leader_of)
        user.save()
        users[login] = user.id
    return units, users


# Cases answered late: forwarded at their reception, their unit silent past
# its limits (the sweep escalates them, the office gets them, overdue), then
# answered: their on-time figures stay late (drive_late)
LATE = {i for i, c in enumerate(CASES)
    if c.get('name') in {"Đinh Văn Cường", "Cao Văn Minh"}}


def received_times(rng, now):
    "Return the received_at of each case (naive UTC), older for later states"
    from trytond.modules.pakn_helpdesk.common import DEFAULT_TIMEZONE, to_utc
    times, keys = {}, {c['key']: i for i, c in enumerate(CASES) if 'key' in c}
    for i, case in enumerate(CASES):
        if 'dup' not in case:
            day = now.date() - dt.timedelta(days=rng.randint(*AGE[case['t']]))
            # office hours in Vietnam, 7:30 to 17:30
            opening = to_utc(
                dt.datetime.combine(day, dt.time(7, 30)), DEFAULT_TIMEZONE)
            times[i] = opening + dt.timedelta(
                seconds=rng.randint(0, 10 * 3600))
    for i, case in enumerate(CASES):
        if 'dup' in case:
            times[i] = times[keys[case['dup']]] + dt.timedelta(
                hours=rng.randint(3, 40))
    latest = now - dt.timedelta(minutes=15)
    return {i: min(t, latest) for i, t in times.items()}


def steps_for(case):
    "Return the buttons to press to bring the case to its target state"
    if 'steps' in case:
        return case['steps'].split()
    target = case['t']
    steps = list(PATHS[case.get('via', target)])
    if target == 'closed':
        steps.append('close')
    if 'supplement' in case:
        steps = ['request_clarification', 'resubmit'] + steps
    if 'wrong' in case:
        i = steps.index('forward')
        steps[i:i] = ['forward', 'return_case']
    if 'contrib' in case:
        i = len(steps) - steps[::-1].index('forward')
        steps[i:i] = ['contribute']
    if 'remarks' in case:
        i = steps.index('submit') + 1
        steps[i:i] = ['send_back', 'submit']
    return steps


class Driver:
    "Press the buttons of the cases as the user whose task it is"

    def __init__(self, config, units, users, rng):
        self.config, self.units, self.users = config, units, users
        self.rng = rng
        self.Ticket = Model.get('pakn.ticket')
        self.Unit = Model.get('pakn.unit')
        self.channels = {c.code: c for c in Model.get('pakn.channel').find([])}
        self.fields = {f.code: f for f in Model.get('pakn.field').find([])}
        self.categories = {
            c.code: c for c in Model.get('pakn.category').find([])}
        self.parents = {code: parent for code, _, _, parent, *_ in UNITS}
        self.focal = {c: s[0] for s in STAFF for c in s[3]}
        self.leader = {c: s[0] for s in STAFF for c in s[4]}
        self.keys = {}
        self.returned, self.submitted = set(), set()

    def leader_of(self, code):
        while code not in self.leader:
            code = self.parents[code]
        return self.leader[code]

    def focal_of(self, code):
        return self.focal.get(code) or self.leader_of(code)

    def as_user(self, login, ticket_id):
        self.config.user = self.users[login]
        return self.Ticket(ticket_id)

    def create(self, case, received_at):
        ticket = self.as_user('operator', None)
        ticket.channel = self.channels[case['ch']]
        ticket.received_at = received_at
        if case.get('secret'):
            # handled outside the system: only its reference and unit
            ticket.state_secret = True
            ticket.secret_reference = case['secret']
        else:
            ticket.submitter_type = (
                'organisation' if case.get('org') else 'person')
            ticket.submitter_name = case['name']
            ticket.submitter_phone = case['phone']
            ticket.submitter_address = case.get('addr')
            ticket.submitter_email = case.get('email')
            ticket.content = case['content']
            ticket.matter_place = case.get('place')
            ticket.field = self.fields[case['field']]
            ticket.category = self.categories[case['cat']]
            if case.get('urgent'):
                ticket.matter_time = received_at - dt.timedelta(
                    minutes=self.rng.randint(20, 180))
            if ticket.channel.phone:
                ticket.recording_ref = 'REC-%s-%04d' % (
                    received_at.strftime('%Y%m%d'), self.rng.randint(1, 9999))
        ticket.urgent = bool(case.get('urgent'))
        ticket.confidential = bool(case.get('conf'))
        ticket.save()
        if 'key' in case:
            self.keys[case['key']] = ticket.id
        return ticket.id

    def drive_late(self, case, received_at):
        """Create and forward the case at its reception, let the sweep
        find its unit silent past every limit, then handle it now: a case
        answered late, with the history and ledger days of work give"""
        from trytond.modules.pakn_helpdesk.common import clock
        with clock(received_at):
            ticket_id = self.create(case, received_at)
        steps = steps_for(case)
        first = steps.index('accept')
        for i, step in enumerate(steps[:first]):
            instant = received_at + dt.timedelta(minutes=10 * (i + 1))
            with clock(instant):
                self.step(case, ticket_id, step)
        Cron = Model.get('ir.cron')
        sweep, = Cron.find([('method', '=', 'pakn.ticket.deadline|sweep')])
        for days in [5, 8]:
            self.config.user = self.users['admin']
            with clock(received_at + dt.timedelta(days=days)):
                Cron(sweep.id).click('run_once')
        return self.drive(case, ticket_id, steps=steps[first:])

    def drive(self, case, ticket_id, steps=None):
        for step in (steps_for(case) if steps is None else steps):
            self.step(case, ticket_id, step)
        ticket = self.as_user('admin', ticket_id)
        if ticket.state != case['t']:
            raise RuntimeError(
                f"{ticket.code} is {ticket.state}, not {case['t']}")
        return ticket

    def step(self, case, ticket_id, step):
        "Press the button of step on the case as the user whose task it is"
        unit = case.get('unit')
        returned = ticket_id in self.returned
        if True:
            values = {}
            if step in {'request_clarification', 'resubmit', 'reject',
                    'mark_duplicate', 'answer_directly', 'close'}:
                login = 'operator'
                if step == 'request_clarification':
                    values['clarification_request'] = case['clarify']
                elif step == 'resubmit':
                    values['content'] = '\n'.join(
                        [case['content'], case['supplement']])
                elif step == 'reject':
                    values['reject_reason'] = case['reject']
                    if 'guidance' in case:  # else the category's guidance
                        values['guidance'] = case['guidance']
                elif step == 'mark_duplicate':
                    values['duplicate_of'] = self.Ticket(
                        self.keys[case['dup']])
                elif step == 'answer_directly':
                    values['result'] = case['result']
            elif step == 'forward':
                # a returned case is forwarded again by the office
                login = 'office' if returned else 'operator'
                lead = unit if returned else case.get('wrong', unit)
                values['lead_unit'] = self.Unit(self.units[lead].id)
            elif step == 'return_case':
                login = self.focal_of(case['wrong'])
                self.returned.add(ticket_id)
                values['return_reason'] = case['ret']
            elif step == 'contribute':
                self.contribute(case, ticket_id)
                return
            elif step in {'accept', 'submit'}:
                login = self.focal_of(unit)
                if step == 'submit':
                    draft = 'draft' in case and ticket_id not in self.submitted
                    values['result'] = case['draft' if draft else 'result']
                    self.submitted.add(ticket_id)
            elif step == 'send_back':
                login = self.leader_of(unit)
                values['remarks'] = case['remarks']
            else:  # approve, publish, send_privately
                login = self.leader_of(unit)
            ticket = self.as_user(login, ticket_id)
            for name, value in values.items():
                setattr(ticket, name, value)
            # ids, not codes: reading a unit as the staff would ask for the
            # fields only administrators read (pakn_report's signing keys)
            if step == 'forward' and unit and (
                    values['lead_unit'].id == self.units[unit].id):
                ticket.coordinating_units.extend(
                    self.Unit(self.units[c].id) for c in case.get('coord', []))
            ticket.click(step)

    def contribute(self, case, ticket_id):
        for code, content in case['contrib'].items():
            ticket = self.as_user(self.focal_of(code), ticket_id)
            wizard = Wizard('pakn.ticket.contribute', [ticket])
            if not wizard.form.unit:
                wizard.form.unit = self.Unit(self.units[code].id)
            wizard.form.content = content
            wizard.execute('contribute')


def drive_cases(config, units, users):
    "Create the cases, oldest first, and bring each to its target state"
    from trytond.modules.pakn_helpdesk.common import UTC
    rng = random.Random(SEED)
    now = dt.datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    times = received_times(rng, now)
    driver = Driver(config, units, users, rng)
    for i in sorted(times, key=times.get):
        if i in LATE:
            driver.drive_late(CASES[i], times[i])
        else:
            driver.drive(CASES[i], driver.create(CASES[i], times[i]))


def shape_deadlines(database):
    """Give the open cases every deadline condition, as days of work would.
    The demo drives these cases through their steps in a minute, so their
    clocks all started just now: their counts are set again afterwards, in
    the ledger's own terms (count_from + length in length_unit, so that a
    calendar edit counts them the same way). Some have days left (on time),
    some hours (due within a day); for others the time passes: the sweep
    escalates them to the unit head, and for some further to the
    supervising office, which makes them late. (The cases answered late
    are driven with the clock of their days: drive_late.)"""
    from trytond.modules.pakn_helpdesk.common import now as utc_now
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(database)
    with Transaction().start(database, 0) as transaction:
        Deadline = pool.get('pakn.ticket.deadline')

        def count(deadlines, count_from, length):
            """Count the deadlines again from count_from for length hours;
            a count from before a deadline's start starts it then"""
            to_write = []
            for deadline in deadlines:
                deadline.count_from = count_from
                deadline.length = length
                deadline.length_unit = 'hour'
                due, remind_at = deadline.compute_due(
                    Deadline.calendar_of(deadline.ticket))
                to_write.extend(([deadline], {
                            'start': min(deadline.start, count_from),
                            'count_from': count_from,
                            'length': length,
                            'length_unit': 'hour',
                            'due': due,
                            'first_due': due,
                            'remind_at': remind_at,
                            }))
            if to_write:
                Deadline.write(*to_write)

        running = Deadline.search(
            [('state', '=', 'running'), ('role', '!=', 'operator')],
            order=[('ticket', 'ASC')])
        tickets = sorted({d.ticket.id for d in running})
        now = utc_now()
        past = now - dt.timedelta(minutes=5)
        plan = {t: ['later', 'soon', 'head', 'office'][i % 4]
            for i, t in enumerate(tickets)}
        count([d for d in running if plan[d.ticket.id] == 'later'], now, 72)
        count([d for d in running if plan[d.ticket.id] == 'soon'], now, 6)
        count([d for d in running if plan[d.ticket.id] in {'head', 'office'}],
            past, 0)
        Deadline.sweep()
        # the heads of the last group stay silent too
        count(Deadline.search([
                    ('state', '=', 'running'),
                    ('ticket', 'in', [
                            t for t, p in plan.items() if p == 'office']),
                    ]), past, 0)
        Deadline.sweep()

        transaction.commit()


# What citizens give back on the portal: ratings of delivered answers and
# follow-up questions, the first answered by its unit
RATINGS = [
    ('satisfied', "Đơn vị xử lý nhanh, trả lời rõ ràng."),
    ('acceptable', None),
    ('not_satisfied', "Sau khi trả lời, tình trạng vẫn chưa được khắc phục."),
    ('satisfied', None),
    ]
FOLLOWUPS = [
    ("Khi nào đơn vị hoàn thành đoạn còn lại?",
        "Đơn vị sẽ hoàn thành trong tháng này và thông báo trên Cổng."),
    ("Tôi có cần nộp thêm giấy tờ gì không?", None),
    ]


def portal_feedback(database):
    """Rate the published answers as their submitters would on the portal,
    and ask follow-up questions; return (ratings, follow-ups)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(database)
    with Transaction().start(database, 0) as transaction:
        Ticket = pool.get('pakn.ticket')
        FollowUp = pool.get('pakn.portal.followup')
        published = Ticket.search([
                ('state', 'in', ['published', 'closed']),
                ('public', '=', True),
                ], order=[('id', 'ASC')])
        ratings = 0
        for ticket, (value, reason) in zip(published, RATINGS):
            if value not in ticket.rating_values():
                value = ticket.rating_values()[0]
            Ticket.rate(ticket, value, reason or (
                    "Chưa hài lòng." if value == 'not_satisfied' else None))
            ratings += 1
        followups = []
        for ticket, (question, answer) in zip(
                reversed(published), FOLLOWUPS):
            followup = Ticket.ask(ticket, question)
            followups.append(followup)
            if answer:
                focal = ticket.focal_point or ticket.approved_by
                with transaction.set_user(focal.id):
                    followup = FollowUp(followup.id)
                    followup.answer = answer
                    followup.save()
                    FollowUp.reply([followup])
        transaction.commit()
    return ratings, len(followups)


# The reports the office files: the last month's and the year's, by unit,
# field and channel
REPORTS = [
    ('month', 'xlsx'), ('month', 'pdf'), ('year', 'xlsx'), ('year', 'pdf')]


def produce_reports(config, users, directory=None):
    """Produce the REPORTS of the whole province as the office user would,
    with the wizard "Lập báo cáo" (the period, the breakdowns and the
    format); copy their files to directory (REPORTS_DIR when None) and
    return the menu where the back office lists them and the paths of
    the copies"""
    directory = os.path.abspath(directory or REPORTS_DIR)
    config.user = users['office']
    Report = Model.get('pakn.report')
    for kind, format_ in REPORTS:
        wizard = Wizard('pakn.report.create')
        wizard.form.kind = kind
        if kind == 'month':
            # the form opens on today: a day of the last month
            wizard.form.date = (
                wizard.form.date.replace(day=1) - dt.timedelta(days=1))
        wizard.form.unit = None
        wizard.form.breakdowns = ['unit', 'field', 'channel']
        wizard.form.format = format_
        wizard.execute('open_')
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):  # those of the previous database
        if name.startswith('bao-cao-'):
            os.remove(os.path.join(directory, name))
    paths = []
    for report in Report.find([], order=[('id', 'ASC')]):
        paths.append(os.path.join(directory, report.file_name))
        with open(paths[-1], 'wb') as file:
            file.write(report.file)
    # the menu's path in the office's language (Vietnamese)
    menu_id = Model.get('ir.model.data').get_id(
        'pakn_report', 'menu_report_form', {})
    with config.set_context(language='vi'):
        menu = Model.get('ir.ui.menu')(menu_id)
        return menu.rec_name, paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', default='pakn_demo')
    parser.add_argument('--config', default='trytond.conf')
    parser.add_argument('--reports', default=REPORTS_DIR,
        help="the folder of the copies of the reports' files "
        "(default: var/reports)")
    args = parser.parse_args()
    if not os.path.isfile(args.config):
        sys.exit(f"no configuration file {args.config}")
    config_file = os.path.abspath(args.config)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix='pakn-demo-') as tmpdir:
        path, config_files = recreate_database(
            args.database, config_file, tmpdir)
        print(f"Created {path} in {time.monotonic() - start:.0f} s")
        config = proteus_config.set_trytond(
            database=args.database, config_file=config_files)
    vi = setup_vietnamese()
    units, users = setup_organisation(vi)

    drive_cases(config, units, users)

    shape_deadlines(args.database)
    ratings, followups = portal_feedback(args.database)
    report_menu, report_paths = produce_reports(
        config, users, args.reports)

    config.user = users['admin']
    tickets = Model.get('pakn.ticket').find([])
    by_state = Counter(t.state for t in tickets)
    by_channel = Counter(t.channel.code for t in tickets)
    print(f"{len(units)} units, {len(users)} users (password {PASSWORD}), "
        f"{len(tickets)} cases, "
        f"{len(Model.get('pakn.ticket.event').find([]))} events, "
        f"{len(Model.get('pakn.ticket.contribution').find([]))} contributions")
    print("Cases per state:   " + ', '.join(
            f"{s} {by_state[s]}" for s in [*PATHS, 'closed']))
    print("Cases per channel: " + ', '.join(
            f"{c} {n}" for c, n in sorted(by_channel.items())))
    conditions = Counter(t.deadline_condition for t in tickets
        if t.deadline_condition)
    print("Deadlines: " + ', '.join(
            f"{c} {conditions[c]}" for c in ['on_time', 'due_soon', 'overdue'])
        + f"; escalated to the head "
        f"{sum(t.escalation == 'head' for t in tickets)}, to the office "
        f"{sum(t.escalation == 'office' for t in tickets)}")
    sms = Counter(m.state for m in Model.get('pakn.sms.message').find([]))
    print(f"SMS: {sum(sms.values())} in the outbox ("
        + ', '.join(f"{s} {n}" for s, n in sorted(sms.items()))
        + f"), sent by trytond-cron to {os.path.relpath(SMS_LOG, ROOT)}")
    print(f"Portal: {len(Model.get('pakn.ticket').find([('public', '=', True)]))} "
        f"published answers, {ratings} ratings, {followups} follow-up "
        "questions")
    print(f"Reports: {len(report_paths)} in the back office, menu "
        f"{report_menu}; copies of their files:")
    for path in report_paths:
        inside = os.path.commonpath([path, ROOT]) == ROOT
        print('  ' + (os.path.relpath(path, ROOT) if inside else path))
    print(f"Done in {time.monotonic() - start:.0f} s")


if __name__ == '__main__':
    main()
