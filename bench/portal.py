#!/usr/bin/env python3
# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Benchmark of the public portal on PostgreSQL; writes bench/RESULTS.md.

1. A database created by trytond-admin (pakn_helpdesk, pakn_sms,
   pakn_portal) on TRYTOND_DATABASE_URI (default the local server), the
   province configured and a few dozen units created through the ORM; then
   100,000 published cases (--cases) and 20% more cases that are not public
   (answered privately, rejected, answered by the hotline) inserted in bulk
   with COPY: the cases, their received and final events and the public
   rows of pakn_portal_publication. Their text is Vietnamese generated
   from a vocabulary of each field (roads, flooding, lighting, trees, clean
   water, documents, land…) with common and rare words; the answers follow
   the Annex I template; the publication dates spread over 3 years.
2. The latency (p50, p95, max) of requests drawn from a fixed list of
   queries: one common word, one rare word, 2-3 words typed without
   diacritics, words with a filter, a filter only, no text (latest pages):
   a. Publication.portal_search in a read-only Tryton transaction;
   b. the list page GET /cau-tra-loi?q=… through Flask's test client,
      rendering included;
   c. the detail page /cau-tra-loi/<id> (its 301) and the page it
      redirects to;
   d. submissions per second: distinct valid POSTs to /gui-phan-anh through
      the test client (one thread), then over HTTP from 2 threads against
      werkzeug's threaded server on loopback;
   e. Publication.similar (the suggestions of /goi-y) for a few typed
      texts, cancelled after 5 s.
   And checks: "duong ngap" finds exactly the cases whose folded text has
   words starting with "duong" and "ngap" (counted in Python over every
   row), newest first, and the list page shows them; EXPLAIN shows the GIN
   index for a rare word and which index the other text queries use.
3. The results, with the command, the machine and the commit measured,
   replace this benchmark's section of bench/RESULTS.md; the exit status is
   1 when the target (p95 <= 100 ms for search and list) or a check fails.

Usage: make bench-portal  (or .venv/bin/python bench/portal.py)
    --cases N       published cases (default 100000)
    --database DB   database name (default bench_pakn_portal)
    --keep          reuse the database if it exists (its full-text column
                    and index brought up to date), keep it at the end
    --queries N     measured searches and list pages (default 210)
    --submissions N submissions per mode (default 300)
    --no-write      print only, do not update bench/RESULTS.md"""
import argparse
import datetime as dt
import http.client
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode, urlsplit

from common import (
    committed,
    create_database,
    machine,
    pg_version,
    write_results,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DATABASE = 'bench_pakn_portal'
URI = os.environ.get(
    'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/')
SECTION = 'Portal search and list'
TARGET_MS = 100
SEED = 1022
# Cases that are not public, as a share of the published ones
PRIVATE_SHARE = 0.2
YEARS = 3

# Vocabulary ------------------------------------------------------------

PROVINCE = "Tỉnh Hòa Bình Xanh"
STREETS = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hoàng Văn Thụ", "Trần Phú",
    "An Dương Vương", "Cù Chính Lan", "Lý Thường Kiệt", "Hai Bà Trưng",
    "Quang Trung", "Điện Biên Phủ", "Nguyễn Huệ", "Phan Đình Phùng",
    "Bà Triệu", "Lê Duẩn", "Hùng Vương", "Võ Thị Sáu", "Chu Văn An",
    "Ngô Quyền", "Tô Hiến Thành", "Nguyễn Du", "Lê Quý Đôn", "Yết Kiêu",
    "Phạm Ngũ Lão", "Trường Chinh", "Nguyễn Văn Cừ", "Lạc Long Quân",
    "Âu Cơ", "Kim Đồng", "Tôn Đức Thắng", "Huỳnh Thúc Kháng", "Lê Thánh Tông",
    "Mạc Đĩnh Chi", "Nguyễn Chí Thanh", "Bạch Đằng", "Thanh Niên",
    ]
# (ward, its district) of the province
WARDS = [
    ("phường Hồng Hà", "thành phố Lam Giang"),
    ("phường Tân Thịnh", "thành phố Lam Giang"),
    ("phường Đồng Tiến", "thành phố Lam Giang"),
    ("phường Quỳnh Lâm", "thành phố Lam Giang"),
    ("phường Phương Lâm", "thành phố Lam Giang"),
    ("xã Thống Nhất", "thành phố Lam Giang"),
    ("xã Hòa Bình", "thành phố Lam Giang"),
    ("thị trấn Đồng Hòa", "huyện Đồng Hòa"),
    ("xã Phú Lương", "huyện Đồng Hòa"),
    ("xã Tân Minh", "huyện Đồng Hòa"),
    ("xã Yên Mông", "huyện Đồng Hòa"),
    ("thị trấn Kỳ Sơn", "huyện Kỳ Sơn"),
    ("xã Dân Hạ", "huyện Kỳ Sơn"),
    ("xã Mông Hóa", "huyện Kỳ Sơn"),
    ("thị trấn Lương Sơn", "huyện Lương Sơn"),
    ("xã Hòa Sơn", "huyện Lương Sơn"),
    ("xã Cao Dương", "huyện Lương Sơn"),
    ("thị trấn Mai Châu", "huyện Mai Châu"),
    ("xã Chiềng Châu", "huyện Mai Châu"),
    ]
LANDMARKS = [
    "chợ trung tâm", "trường tiểu học", "trường mầm non", "cổng bệnh viện",
    "ngã ba", "ngã tư", "nhà văn hóa", "công viên", "bến xe", "ủy ban",
    "cầu Đen", "trạm y tế", "khu tái định cư", "khu công nghiệp",
    ]
TREES = [
    "xà cừ", "sấu", "bằng lăng", "phượng vĩ", "long não", "keo", "muồng",
    "bàng", "hoa sữa",
    ]
NOISES = [
    "quán karaoke", "xưởng cơ khí", "công trình", "quán nhậu", "xưởng gỗ",
    ]
# Details that few cases have: the rare words
RARE = [
    "Gần đó có tổ ong vò vẽ rất lớn.", "Lối đi tạm là một cây cầu khỉ.",
    "Người dân phải đi bến đò tạm.", "Giếng khoan của nhiều hộ bị nhiễm phèn.",
    "Bể phốt của khu tập thể bị tràn.", "Trạm BTS mới lắp đặt sát nhà dân.",
    "Chó thả rông không đeo rọ mõm.", "Có rắn hổ mang bò vào nhà dân.",
    "Mái tôn của ki-ốt bị gió bão thổi bay.", "Lò gạch thủ công xả khói đen.",
    "Xe ba gác chở phế liệu đi ngược chiều.",
    "Máy bơm tiêu úng không hoạt động.",
    "Biển quảng cáo bị gió làm rơi xuống vỉa hè.", "Ao tù bốc mùi hôi thối.",
    "Đập tràn bị sạt lở một đoạn.", "Cột ăng-ten nghiêng sau bão.",
    "Trâu bò thả rông trên quốc lộ.", "Khu vực có nhiều muỗi vằn.",
    "Hố tôn lấp tạm bằng tấm gỗ mục.", "Thang máy của chung cư hay bị kẹt.",
    ]
GENERIC = [
    "Đề nghị cơ quan chức năng kiểm tra, xử lý.",
    "Tình trạng này đã kéo dài nhiều tháng nay.",
    "Người dân đã phản ánh nhiều lần nhưng chưa được giải quyết.",
    "Mong sớm nhận được phản hồi.",
    "Đề nghị xem xét, giải quyết dứt điểm.",
    "Sự việc xảy ra từ ngày {d}/{m}.",
    "Gia đình tôi và nhiều hộ xung quanh rất bức xúc.",
    "Đề nghị có biện pháp khắc phục sớm trước mùa mưa bão.",
    "Xin cảm ơn.",
    ]
# code: (weight, unit in charge, questions, results); weights in %
FIELDS = {
    'giao_thong': (14, 'SGTVT', [
        "Mặt đường {street} đoạn gần {landmark} xuất hiện nhiều ổ gà, ổ voi, "
        "trời mưa đọng nước gây nguy hiểm cho người tham gia giao thông.",
        "Đèn tín hiệu giao thông tại ngã tư {street} – {street2} bị hỏng, "
        "thường xuyên xảy ra ùn tắc vào giờ cao điểm.",
        "Biển báo hạn chế tốc độ trên đường {street} bị cây che khuất.",
        "Xe tải chở vật liệu không che phủ bạt, làm rơi vãi đất cát trên "
        "đường {street}.",
        "Đường {street} bị ngập sâu sau mỗi trận mưa lớn, xe máy chết máy "
        "giữa đường.",
        "Vỉa hè đường {street} bị lấn chiếm để buôn bán, người đi bộ phải "
        "đi xuống lòng đường.",
        ], [
        "vá các ổ gà trên mặt đường {street} bằng bê tông nhựa",
        "sửa chữa đèn tín hiệu giao thông và bố trí lực lượng phân luồng",
        "lập biên bản xử phạt chủ phương tiện vi phạm",
        "ra quân lập lại trật tự vỉa hè, lòng đường",
        ]),
    'moi_truong': (12, 'STNMT', [
        "Rác thải sinh hoạt tại {place} không được thu gom nhiều ngày, bốc "
        "mùi hôi thối.",
        "Cơ sở sản xuất tại {place} xả khói bụi và nước thải ra môi trường "
        "gây ô nhiễm.",
        "Có người đổ trộm rác thải xây dựng ra bãi đất trống cạnh {landmark}.",
        "Tiếng ồn từ {noise} tại {place} kéo dài đến khuya ảnh hưởng đến "
        "sinh hoạt của người dân.",
        "Mùi hôi từ trại chăn nuôi lợn tại {place} ảnh hưởng đến khu dân cư.",
        ], [
        "yêu cầu đơn vị vệ sinh môi trường thu gom rác hằng ngày",
        "lấy mẫu quan trắc và xử phạt cơ sở gây ô nhiễm",
        "dọn sạch bãi rác và lắp camera giám sát",
        "kiểm tra, yêu cầu cơ sở cam kết không gây tiếng ồn sau 22 giờ",
        ]),
    'xay_dung': (10, 'SXD', [
        "Công trình xây dựng tại số {n} đường {street} thi công cả ban đêm, "
        "gây tiếng ồn và bụi.",
        "Xin hướng dẫn hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ tại "
        "{place}.",
        "Công trình xây dựng không phép tại {place} chưa được xử lý dứt điểm.",
        "Vật liệu xây dựng tập kết trên vỉa hè đường {street} gây cản trở "
        "giao thông.",
        ], [
        "đình chỉ thi công và lập biên bản vi phạm hành chính",
        "hướng dẫn thành phần hồ sơ cấp giấy phép xây dựng theo quy định",
        "yêu cầu chủ đầu tư thu dọn vật liệu trong ngày",
        ]),
    'dat_dai': (10, 'STNMT', [
        "Tôi nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất tại {place} đã "
        "quá hạn nhưng chưa nhận được kết quả.",
        "Xin hỏi thủ tục tách thửa đất đai tại {place} cần những giấy tờ gì?",
        "Hộ gia đình lấn chiếm đất công tại {place} để xây dựng công trình "
        "trái phép.",
        "Đề nghị làm rõ phương án bồi thường, tái định cư khi thu hồi đất "
        "làm đường {street}.",
        "Hồ sơ chuyển mục đích sử dụng đất của gia đình tôi bị trả lại nhiều "
        "lần mà không rõ lý do.",
        ], [
        "kiểm tra tiến độ giải quyết hồ sơ và trả kết quả cho Ông/Bà",
        "hướng dẫn thủ tục tách thửa theo quy định của Luật Đất đai",
        "lập biên bản, buộc khôi phục hiện trạng đất công bị lấn chiếm",
        ]),
    'nuoc': (9, 'NS', [
        "Khu dân cư {place} bị ngập úng kéo dài sau mưa do cống thoát nước "
        "bị tắc.",
        "Nước sạch cấp cho {place} bị đục, có mùi lạ từ {n} ngày nay.",
        "Đường ống nước sạch trên đường {street} bị vỡ, nước chảy tràn ra "
        "mặt đường.",
        "Khu vực {place} mất nước sinh hoạt nhiều ngày mà không được thông "
        "báo trước.",
        "Nắp hố ga trên đường {street} bị vỡ, nước thải tràn lên gây mùi hôi.",
        "Đường {street} đoạn trước {landmark} thường xuyên bị ngập sâu, "
        "nước tràn vào nhà dân.",
        ], [
        "nạo vét {n}0 m cống thoát nước dọc đường {street}",
        "thay thế đoạn ống bị vỡ và cấp nước trở lại",
        "súc xả đường ống, kết quả xét nghiệm mẫu nước đạt quy chuẩn",
        "thay nắp hố ga bị vỡ",
        ]),
    'cay_xanh': (8, 'CX', [
        "Hệ thống đèn chiếu sáng trên đường {street} bị hỏng nhiều ngày, "
        "buổi tối rất tối và mất an toàn.",
        "Cây xanh trước số nhà {n} đường {street} bị nghiêng, có nguy cơ đổ "
        "khi mưa bão.",
        "Cành cây xanh trên vỉa hè đường {street} che khuất đèn chiếu sáng.",
        "Cây {tree} lớn trên đường {street} bị bật gốc sau cơn giông, đổ "
        "chắn ngang lòng đường.",
        "Đèn chiếu sáng công cộng tại {place} bật cả ban ngày, gây lãng phí "
        "điện.",
        ], [
        "thay bóng đèn chiếu sáng bị hỏng",
        "cắt tỉa, gia cố cây xanh có nguy cơ đổ",
        "dọn dẹp cây đổ và trồng thay thế cây mới",
        "điều chỉnh lại thời gian bật tắt đèn chiếu sáng",
        ]),
    'dien': (6, 'DL', [
        "Khu vực {place} thường xuyên mất điện không báo trước, ảnh hưởng "
        "đến sản xuất.",
        "Cột điện trên đường {street} bị nghiêng, dây điện võng thấp rất "
        "nguy hiểm.",
        "Hóa đơn tiền điện tháng này của gia đình tôi tăng bất thường, đề "
        "nghị kiểm tra công tơ.",
        ], [
        "khắc phục sự cố lưới điện và cấp điện trở lại",
        "dựng lại cột điện và căng lại dây",
        "kiểm định công tơ, kết quả công tơ hoạt động bình thường",
        ]),
    'tthc': (6, 'VP', [
        "Xin hỏi thủ tục cấp lại căn cước bị mất tại {place} cần những giấy "
        "tờ gì?",
        "Hồ sơ đăng ký khai sinh cho con tôi nộp trực tuyến trên Cổng Dịch "
        "vụ công đã quá hạn chưa có kết quả.",
        "Bộ phận một cửa {place} yêu cầu nộp thêm giấy tờ không có trong quy "
        "định.",
        "Xin hướng dẫn thủ tục chứng thực bản sao hồ sơ tại {place}.",
        ], [
        "hướng dẫn Ông/Bà thực hiện thủ tục theo quy định hiện hành",
        "trả kết quả hồ sơ và xin lỗi Ông/Bà vì sự chậm trễ",
        "chấn chỉnh bộ phận một cửa, không yêu cầu thêm giấy tờ",
        ]),
    'an_ninh': (5, 'CA', [
        "Nhóm thanh niên tụ tập đua xe trái phép trên đường {street} vào "
        "ban đêm.",
        "Tình trạng trộm cắp xe máy tại {place} xảy ra nhiều lần.",
        "{Noise} tại {place} hoạt động quá giờ, gây mất trật tự.",
        ], [
        "tăng cường tuần tra, kiểm soát vào ban đêm",
        "tiếp nhận tin báo và điều tra theo quy định",
        ]),
    'y_te': (3, 'SYT', [
        "Trạm y tế {place} không có bác sĩ trực vào ngày nghỉ.",
        "Cơ sở khám chữa bệnh tư nhân tại {place} có dấu hiệu hoạt động "
        "không phép.",
        "Xin hỏi lịch tiêm chủng mở rộng cho trẻ tại {place}.",
        ], ["bố trí lịch trực và kiểm tra cơ sở khám chữa bệnh"]),
    'giao_duc': (3, 'SGD', [
        "Trường tiểu học {place} thu các khoản ngoài quy định đầu năm học.",
        "Xin hỏi thủ tục tuyển sinh lớp 1 tại {place}.",
        "Xe đưa đón học sinh tại {place} chở quá số người quy định.",
        ], ["yêu cầu nhà trường hoàn trả các khoản thu sai quy định"]),
    'lao_dong': (2, 'SLD', [
        "Công ty tại {place} nợ lương người lao động {n} tháng.",
        "Xin hỏi thủ tục hưởng trợ cấp thất nghiệp.",
        ], ["làm việc với doanh nghiệp, yêu cầu trả đủ tiền lương"]),
    'bhxh': (2, 'BHXH', [
        "Xin hỏi gia hạn thẻ bảo hiểm y tế hộ gia đình ở đâu?",
        "Công ty tại {place} không đóng bảo hiểm xã hội cho người lao động.",
        ], ["hướng dẫn gia hạn thẻ bảo hiểm y tế tại đại lý thu"]),
    'vien_thong': (2, 'STTTT', [
        "Sóng điện thoại di động tại {place} rất yếu.",
        "Dây cáp viễn thông treo lủng lẳng trên đường {street}.",
        ], ["yêu cầu nhà mạng chỉnh trang cáp và tăng cường trạm phát sóng"]),
    'thuong_mai': (2, 'SCT', [
        "Cửa hàng tại {place} bán hàng không rõ nguồn gốc xuất xứ.",
        "Chợ {place} thu phí không đúng quy định.",
        ], ["kiểm tra, tịch thu hàng hóa không rõ nguồn gốc"]),
    'nong_nghiep': (2, 'SNN', [
        "Kênh mương nội đồng tại {place} bị bồi lấp, không dẫn được nước "
        "tưới.",
        "Dịch bệnh trên đàn gia súc tại {place} chưa được khống chế.",
        ], ["nạo vét kênh mương và phun khử trùng vùng dịch"]),
    'dau_tu': (1, 'SKH', [
        "Xin hướng dẫn hồ sơ đăng ký thành lập doanh nghiệp.",
        "Thủ tục cấp giấy chứng nhận đăng ký đầu tư cho dự án tại {place}.",
        ], ["hướng dẫn hồ sơ đăng ký doanh nghiệp trực tuyến"]),
    'du_lich': (1, 'SVH', [
        "Di tích tại {place} xuống cấp chưa được tu bổ.",
        "Nhà văn hóa {place} bị sử dụng sai mục đích.",
        ], ["lập kế hoạch tu bổ di tích"]),
    'thue': (1, 'CT', [
        "Xin hỏi thủ tục hoàn thuế thu nhập cá nhân.",
        "Hộ kinh doanh tại {place} bị ấn định thuế cao.",
        ], ["rà soát mức thuế khoán theo doanh thu thực tế"]),
    'buu_chinh': (0.5, 'BDT', [
        "Bưu phẩm gửi đến {place} bị chậm nhiều ngày.",
        "Dịch vụ chi trả lương hưu tại bưu điện {place} phải chờ lâu.",
        ], ["bổ sung nhân viên chi trả lương hưu"]),
    'khac': (2, None, [
        "Đề nghị lắp đặt thêm ghế đá, thiết bị tập thể dục tại công viên "
        "{place}.",
        "Loa phát thanh tại {place} phát quá to vào sáng sớm.",
        ], ["điều chỉnh âm lượng và thời gian phát thanh"]),
    }
GENERIC_RESULTS = [
    "kiểm tra thực tế và xử lý theo quy định",
    "lập biên bản, yêu cầu khắc phục trong {n} ngày",
    ]
# code, name, kind, parent
UNITS = [
    ('VP', "Văn phòng UBND tỉnh", 'province_office', None),
    ('SXD', "Sở Xây dựng", 'department', None),
    ('SGTVT', "Sở Giao thông vận tải", 'department', None),
    ('STNMT', "Sở Tài nguyên và Môi trường", 'department', None),
    ('SYT', "Sở Y tế", 'department', None),
    ('SGD', "Sở Giáo dục và Đào tạo", 'department', None),
    ('SLD', "Sở Lao động - Thương binh và Xã hội", 'department', None),
    ('SCT', "Sở Công Thương", 'department', None),
    ('SNN', "Sở Nông nghiệp và Phát triển nông thôn", 'department', None),
    ('SKH', "Sở Kế hoạch và Đầu tư", 'department', None),
    ('SVH', "Sở Văn hóa, Thể thao và Du lịch", 'department', None),
    ('STTTT', "Sở Thông tin và Truyền thông", 'department', None),
    ('STC', "Sở Tài chính", 'department', None),
    ('STP', "Sở Tư pháp", 'department', None),
    ('CA', "Công an tỉnh", 'department', None),
    ('CT', "Cục Thuế tỉnh", 'central_agency', None),
    ('BHXH', "Bảo hiểm xã hội tỉnh", 'central_agency', None),
    ('DL', "Công ty Điện lực Hòa Bình Xanh", 'service_provider', None),
    ('NS', "Công ty Cổ phần Nước sạch Hòa Bình Xanh", 'service_provider',
        None),
    ('CX', "Công ty Công viên cây xanh và Chiếu sáng đô thị",
        'service_provider', None),
    ('BDT', "Bưu điện tỉnh", 'post_office', None),
    ]
DISTRICTS = {"thành phố Lam Giang": 'LG', "huyện Đồng Hòa": 'DH',
    "huyện Kỳ Sơn": 'KS', "huyện Lương Sơn": 'LS', "huyện Mai Châu": 'MC'}
FAMILY = (["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + [
        "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
        "Hồ", "Ngô", "Dương", "Lý", "Quách", "Đinh", "Lương", "Hà"])
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Hữu", "Quang", "Ngọc",
    "Thu", "Xuân", "Kim", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hằng", "Hoa", "Hùng",
    "Hương", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phương",
    "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Tuấn", "Vinh", "Yến"]
# code: weight in %; the hotline's calls first
CHANNELS = {'phone': 45, 'web': 14, 'zalo': 14, 'app': 9, 'email': 5,
    'facebook': 5, 'chatbot': 4, 'national_portal': 4}

# The queries measured: (kind, words, filters); filters are the list
# page's arguments (linh_vuc, don_vi, kenh by code; tu_ngay/den_ngay as
# days before today; trang)
QUERIES = [
    ('common word', "đường", {}),
    ('common word', "nước", {}),
    ('common word', "ngập", {}),
    ('common word', "điện", {}),
    ('common word', "rác", {}),
    ('common word', "hồ", {}),
    ('common word', "duong", {}),
    ('common word', "cây", {'trang': 2}),
    ('rare word', "karaoke", {}),
    ('rare word', "gạch", {}),
    ('rare word', "phốt", {}),
    ('rare word', "mõm", {}),
    ('rare word', "BTS", {}),
    ('rare word', "phèn", {}),
    ('rare word', "gác", {}),
    ('rare word', "zalo", {}),
    ('words without diacritics', "duong ngap", {}),
    ('words without diacritics', "den chieu sang", {}),
    ('words without diacritics', "cay xanh nghieng", {}),
    ('words without diacritics', "nuoc sach bi duc", {}),
    ('words without diacritics', "ho so dat dai", {}),
    ('words without diacritics', "giay phep xay dung", {}),
    ('words without diacritics', "mat dien", {}),
    ('words without diacritics', "o ga", {}),
    ('words without diacritics', "cau khi", {}),
    ('words without diacritics', "ben do", {}),
    ('words and a filter', "duong ngap", {'don_vi': 'LG'}),
    ('words and a filter', "rac thai", {'linh_vuc': 'moi_truong'}),
    ('words and a filter', "den chieu sang", {'tu_ngay': 60, 'den_ngay': 0}),
    ('words and a filter', "ngập", {'tu_ngay': 400, 'den_ngay': 365}),
    ('words and a filter', "hồ sơ", {'don_vi': 'STNMT', 'tu_ngay': 365}),
    ('words and a filter', "karaoke", {'kenh': 'zalo'}),
    ('words and a filter', "duong", {'linh_vuc': 'dien'}),
    ('words and a filter', "mat nuoc", {'kenh': 'phone',
            'linh_vuc': 'nuoc'}),
    ('filter only', None, {'don_vi': 'SGTVT'}),
    ('filter only', None, {'don_vi': 'DH-YM'}),
    ('filter only', None, {'linh_vuc': 'buu_chinh'}),
    ('filter only', None, {'linh_vuc': 'giao_thong', 'trang': 3}),
    ('filter only', None, {'kenh': 'chatbot'}),
    ('filter only', None, {'tu_ngay': 30, 'den_ngay': 0}),
    ('filter only', None, {'tu_ngay': 800, 'den_ngay': 790}),
    ('filter only', None, {'don_vi': 'LG', 'linh_vuc': 'nuoc',
            'tu_ngay': 365}),
    ('no text', None, {}),
    ('no text', None, {'trang': 2}),
    ('no text', None, {'trang': 5}),
    ('no text', None, {'trang': 50}),
    ]
# hashable: the filters as pairs
QUERIES = [(kind, words, tuple(filters.items()))
    for kind, words, filters in QUERIES]
# Texts typed in the submission form, for the similar answers (/goi-y)
SIMILAR = [
    "Đường Lê Lợi bị ngập sâu sau mỗi trận mưa",
    "Đèn chiếu sáng trên đường Trần Phú bị hỏng",
    "Xin hỏi thủ tục cấp lại căn cước",
    ]
SIMILAR_TIMEOUT = 5
# The queries explained: a rare word first (the GIN index is expected)
PLANS = ["phốt", "duong ngap", "karaoke", "đường"]
KINDS = []
for _kind, _, _ in QUERIES:
    if _kind not in KINDS:
        KINDS.append(_kind)


def units_list():
    "UNITS with the districts and a commune for each ward"
    units = list(UNITS)
    for district, code in DISTRICTS.items():
        units.append((code, "UBND " + district, 'district', None))
    for ward, district in WARDS:
        units.append((ward_code(ward, district), "UBND " + ward, 'commune',
                DISTRICTS[district]))
    return units


def ward_code(ward, district):
    name = re.sub(r'^(phường|xã|thị trấn) ', '', ward)
    return DISTRICTS[district] + '-' + ''.join(
        w[0] for w in fold(name).split()).upper()


def fold(text):
    from trytond.modules.pakn_portal.publication import fold
    return fold(text)


def weighted(rng, weights):
    "A function drawing the keys of weights"
    keys = list(weights)
    cumulative, total = [], 0
    for key in keys:
        total += weights[key]
        cumulative.append(total)
    import bisect

    def draw():
        return keys[bisect.bisect(cumulative, rng.random() * total)]
    return draw


class Generator:
    "Vietnamese cases drawn from the vocabulary"

    def __init__(self, rng, units):
        self.rng = rng
        self.units = units  # code: (id, name, kind, parent code)
        self.field = weighted(rng, {k: v[0] for k, v in FIELDS.items()})
        self.channel = weighted(rng, CHANNELS)
        self.ward = weighted(rng, {w: 1 / (i + 1) ** 0.7
                for i, w in enumerate(WARDS)})

    def slots(self):
        rng = self.rng
        ward, district = self.ward()
        street, street2 = rng.sample(STREETS, 2)
        noise = rng.choice(NOISES)
        where = rng.choice(["tổ {n}, ", "khu {n}, ", "xóm {x}, ", ""])
        place = (where + ward).format(n=rng.randint(1, 25),
            x=rng.choice(["Trên", "Dưới", "Chợ", "Đình", "Mới", "Bãi"]))
        return {
            'street': street, 'street2': street2, 'place': place,
            'ward': ward, 'district': district,
            'landmark': rng.choice(LANDMARKS), 'tree': rng.choice(TREES),
            'noise': noise, 'Noise': noise[0].upper() + noise[1:],
            'n': rng.randint(2, 120),
            'd': rng.randint(1, 28), 'm': rng.randint(1, 12),
            'x': '',
            }

    def lead_unit(self, field, slots):
        "The department of the field or the local government"
        rng = self.rng
        department = FIELDS[field][1]
        draw = rng.random()
        if department and draw < 0.55:
            return department
        if draw < 0.8:
            return DISTRICTS[slots['district']]
        return ward_code(slots['ward'], slots['district'])

    def case(self):
        rng = self.rng
        field = self.field()
        _, _, questions, results = FIELDS[field]
        s = self.slots()
        sentences = [rng.choice(questions).format(**s)]
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            sentence = rng.choice(GENERIC).format(**s)
            if sentence not in sentences:
                sentences.append(sentence)
        if rng.random() < 0.04:
            sentences.insert(1, rng.choice(RARE))
        content = ' '.join(sentences)
        unit = self.lead_unit(field, s)
        partner = "UBND " + s['ward']
        if self.units[unit][1] == partner:
            partner = "các đơn vị liên quan"
        result = "Qua kiểm tra, %s đã phối hợp với %s %s." % (
            self.units[unit][1], partner,
            rng.choice(results + GENERIC_RESULTS).format(**s))
        if rng.random() < 0.3:
            result += " " + rng.choice([
                    "Kết quả đã được thông báo đến Ông/Bà.",
                    "Đơn vị sẽ tiếp tục theo dõi, kiểm tra định kỳ.",
                    "Đề nghị Ông/Bà phối hợp theo dõi và thông tin kịp thời.",
                    ])
        place = None
        if rng.random() < 0.7:
            place = "Đường %s, %s" % (s['street'], s['ward'])
        return {
            'field': field, 'content': content, 'result': result,
            'unit': unit, 'place': place, 'channel': self.channel(),
            'address': "Số %d đường %s, %s, %s" % (
                rng.randint(1, 300), rng.choice(STREETS), s['ward'],
                s['district']),
            }

    def person(self):
        rng = self.rng
        if rng.random() < 0.08:
            return 'organisation', "Công ty TNHH %s %s" % (
                rng.choice(["Xây dựng", "Thương mại", "Dịch vụ", "Vận tải"]),
                rng.choice(GIVEN + ["Minh Phát", "Hòa Bình", "Thành Công"]))
        return 'person', ' '.join([rng.choice(FAMILY),
                rng.choice(MIDDLE), rng.choice(GIVEN)])

    def phone(self):
        rng = self.rng
        return '+84' + rng.choice(['91', '98', '97', '90', '93', '88', '36']) \
            + '%07d' % rng.randrange(10 ** 7)


# Database --------------------------------------------------------------

def psql(sql, database='postgres', fetch=False):
    import psycopg
    with psycopg.connect(URI, dbname=database, autocommit=True) as conn:
        cursor = conn.execute(sql)
        if fetch:
            return cursor.fetchall()


def database_exists(database):
    return bool(psql("SELECT 1 FROM pg_database WHERE datname = '%s'"
            % database.replace("'", "''"), fetch=True))


def setup_organisation(pool, database):
    """Configure the province and create the units through the ORM; return
    the units by code as (id, name, kind, parent code)"""
    return committed(database, _setup_organisation, pool)


def _setup_organisation(pool):
    Configuration = pool.get('pakn.configuration')
    Profile = pool.get('pakn.sla.profile')
    Unit = pool.get('pakn.unit')
    config = Configuration(1)
    if not config.province:
        config.province = PROVINCE
        config.sla_profile, = Profile.search([('code', '=', 'GL2021')])
        config.save()
    existing = {u.code: u for u in Unit.search([])}
    for code, name, kind, parent in units_list():
        if code not in existing:
            unit = Unit(code=code, name=name, kind=kind,
                supervising_office=(kind == 'province_office'),
                parent=existing[parent] if parent else None)
            unit.save()
            existing[code] = unit
    return {u.code: (u.id, u.name, u.kind,
            u.parent.code if u.parent else None)
        for u in existing.values()}


def load(pool, database, cases, units, rng):
    """Insert the published cases and the private ones, their events and
    the public rows, with COPY; return the seconds it took"""
    from string import Template

    import psycopg

    from trytond.modules.pakn_helpdesk.configuration import ANSWER_TEMPLATE
    from trytond.modules.pakn_portal.publication import (
        FTS_INDEX,
        make_title,
        mask_name,
    )
    from trytond.transaction import Transaction
    begin = time.perf_counter()
    with Transaction().start(database, 0, readonly=True):
        Channel = pool.get('pakn.channel')
        Field = pool.get('pakn.field')
        Configuration = pool.get('pakn.configuration')
        channels = {c.code: c.id for c in Channel.search([])}
        fields_ = {f.code: f.id for f in Field.search([])}
        profile = Configuration(1).sla_profile.id
        prefix = Configuration(1).code_prefix
        hotline = Configuration(1).hotline_name
    generator = Generator(rng, units)
    now = dt.datetime.utcnow().replace(microsecond=0)
    span = YEARS * 365 * 86400
    private = int(cases * PRIVATE_SHARE)
    tickets, events, publications = [], [], []
    conn = psycopg.connect(URI, dbname=database)
    cursor = conn.cursor()
    cursor.execute("SET maintenance_work_mem = '256MB'")
    cursor.execute("SELECT coalesce(max(id), 0) FROM pakn_ticket")
    first, = cursor.fetchone()
    cursor.execute("SELECT coalesce(max(id), 0) FROM pakn_ticket_event")
    event_id, = cursor.fetchone()
    cursor.execute(
        "SELECT coalesce(max(id), 0) FROM pakn_portal_publication")
    publication_id, = cursor.fetchone()
    # Newer cases are more frequent: the density of the publication dates
    # grows linearly over the years
    instants = sorted(
        now - dt.timedelta(seconds=int(span * (1 - math.sqrt(rng.random()))))
        for _ in range(cases + private))
    private_ids = set(rng.sample(range(cases + private), private))
    for i, instant in enumerate(instants):
        ticket_id = first + 1 + i
        case = generator.case()
        kind, name = generator.person()
        published = i not in private_ids
        if published:
            state, confidential = 'published', False
        else:
            state = rng.choice(
                ['sent_privately', 'sent_privately', 'rejected', 'answered'])
            confidential = state == 'sent_privately'
        final_at = instant  # published, sent, rejected or answered
        received_at = final_at - dt.timedelta(
            days=rng.randint(2, 25), seconds=rng.randrange(36000))
        answered_at = final_at - dt.timedelta(
            seconds=rng.randrange(3600, 86400))
        unit_id, unit_name = units[case['unit']][:2]
        answer_unit = unit_name
        if state == 'rejected':
            answer = result = answer_unit = answered_at = None
            unit_id = None
        elif state == 'answered':
            answer_unit, unit_id = hotline, None
        if state != 'rejected':
            result = case['result']
            answer = Template(ANSWER_TEMPLATE).safe_substitute(
                unit=answer_unit, result=result,
                attachments='').rstrip() + '\n'
        channel = case['channel']
        local_year = (received_at + dt.timedelta(hours=7)).year
        code = '%s-%s-%06d-%s' % (prefix, local_year, ticket_id,
            ''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ23456789')
                for _ in range(3)))
        email = ('%s%d@gmail.com' % (fold(name).split()[-1], ticket_id)
            if channel in {'web', 'email'} else None)
        tickets.append((ticket_id, code, state, channels[channel],
                received_at, kind, name, generator.phone(), case['address'],
                email, case['content'], case['place'], result, answer,
                answer_unit, answered_at,
                answered_at if state != 'rejected' else None,
                unit_id, fields_[case['field']], profile, confidential,
                rng.random() < 0.03, False, False,
                'REC-%d' % ticket_id if channel == 'phone' else None,
                "Nội dung không thuộc phạm vi tiếp nhận của Tổng đài 1022."
                if state == 'rejected' else None,
                received_at if channel == 'web' else None,
                0, received_at))
        event_id += 1
        events.append((event_id, ticket_id, 'received', None, 'received',
                received_at, None, 0, received_at))
        event_id += 1
        last = {'published': ('published', 'approved'),
            'sent_privately': ('sent_privately', 'approved'),
            'rejected': ('rejected', 'received'),
            'answered': ('answered_directly', 'received')}[state]
        events.append((event_id, ticket_id, last[0], last[1], state,
                final_at, unit_id, 0, final_at))
        if published:
            publication_id += 1
            publications.append((publication_id, ticket_id, final_at,
                    received_at, make_title(case['content']),
                    case['content'], case['place'], answer,
                    name if kind == 'organisation' else mask_name(name),
                    unit_id, answer_unit, fields_[case['field']],
                    channels[channel], 0, final_at))
    generated = time.perf_counter() - begin
    # The full-text index is built once after the rows (as
    # Publication._register_fulltext creates it) rather than row by row
    cursor.execute('DROP INDEX IF EXISTS "%s"' % FTS_INDEX)
    for table, columns, rows in [
            ('pakn_ticket', "id, code, state, channel, received_at, "
                "submitter_type, submitter_name, submitter_phone, "
                "submitter_address, submitter_email, content, matter_place, "
                "result, answer_text, answer_unit, answered_at, approved_at, "
                "lead_unit, field, sla_profile, confidential, urgent, "
                "state_secret, overdue, recording_ref, reject_reason, "
                "consent_at, create_uid, create_date", tickets),
            ('pakn_ticket_event', "id, ticket, type, from_state, to_state, "
                "date, unit, create_uid, create_date", events),
            ('pakn_portal_publication', "id, ticket, published_at, "
                "received_at, title, question, place, answer, submitter, "
                "unit, answer_unit, field, channel, create_uid, create_date",
                publications),
            ]:
        with cursor.copy('COPY %s (%s) FROM STDIN' % (table, columns)) \
                as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "(SELECT max(id) FROM " + table + "))", (table,))
    conn.commit()
    copied = time.perf_counter() - begin - generated
    conn.close()
    with Transaction().start(database, 0) as transaction:
        transaction.connection.cursor().execute(
            "SET LOCAL maintenance_work_mem = '256MB'")
        pool.get('pakn.portal.publication')._register_fulltext()
        Configuration = pool.get('pakn.configuration')
        Sequence = pool.get('ir.sequence')
        sequence = Configuration(1).ticket_sequence
        Sequence.write([sequence], {
                'number_next': first + len(tickets) + 1})
        transaction.commit()
    indexed = time.perf_counter() - begin - generated - copied
    psql('ANALYZE', database)
    print("generated %d cases (%d published) in %.1f s, copied in %.1f s, "
        "full-text index in %.1f s" % (len(tickets), len(publications),
            generated, copied, indexed))
    return time.perf_counter() - begin


# Measures --------------------------------------------------------------

def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def summary(values):
    return {
        'n': len(values),
        'p50': percentile(values, 0.5),
        'p95': percentile(values, 0.95),
        'max': max(values),
        'mean': statistics.fmean(values),
        }


def draw_queries(count):
    "count queries of QUERIES, the kinds in turn, drawn with a fixed seed"
    rng = random.Random(SEED)
    by_kind = {k: [q for q in QUERIES if q[0] == k] for k in KINDS}
    return [rng.choice(by_kind[KINDS[i % len(KINDS)]]) for i in range(count)]


def list_args(query, units, fields_, channels, today):
    "The arguments of the list page for a query"
    kind, words, filters = query
    args = {}
    if words:
        args['q'] = words
    for name, value in filters:
        if name == 'don_vi':
            value = units[value][0]
        elif name == 'linh_vuc':
            value = fields_[value]
        elif name == 'kenh':
            value = channels[value]
        elif name in {'tu_ngay', 'den_ngay'}:
            value = (today - dt.timedelta(days=value)).isoformat()
        args[name] = str(value)
    return args


def search_args(args, timezone):
    "The arguments of portal_search for the list page's arguments"
    from trytond.modules.pakn_helpdesk.common import to_utc
    page = int(args.get('trang', 1))
    date_from = date_to = None
    if 'tu_ngay' in args:
        # the local midnights of the days
        date_from = to_utc(dt.date.fromisoformat(args['tu_ngay']), timezone)
    if 'den_ngay' in args:
        date_to = to_utc(dt.date.fromisoformat(args['den_ngay'])
            + dt.timedelta(days=1), timezone)
    return {
        'text': args.get('q'),
        'field': int(args['linh_vuc']) if 'linh_vuc' in args else None,
        'unit': int(args['don_vi']) if 'don_vi' in args else None,
        'channel': int(args['kenh']) if 'kenh' in args else None,
        'date_from': date_from, 'date_to': date_to,
        'offset': (page - 1) * 20, 'limit': 20,
        }


def measure_search(pool, database, calls):
    "Time portal_search, each in its read-only transaction"
    from trytond.transaction import Transaction
    times = []
    for args in calls:
        with Transaction().start(database, 0, readonly=True):
            Publication = pool.get('pakn.portal.publication')
            begin = time.perf_counter()
            Publication.portal_search(**args)
            times.append((time.perf_counter() - begin) * 1000)
    return times


def text_condition():
    """The SQL condition portal_search writes for the words of a query: on
    the generated column if the module has one, else on the expression"""
    from trytond.modules.pakn_portal import publication
    column = getattr(publication, 'FTS_COLUMN', None)
    document = '"%s"' % column if column else publication.FTS_DOCUMENT
    return document + " @@ to_tsquery('simple', pakn_unaccent(%s))"


def matches(database, calls_by_query):
    "The number of rows each distinct query matches"
    import psycopg

    from trytond.modules.pakn_portal.publication import query_words
    counts = {}
    with psycopg.connect(URI, dbname=database) as conn:
        for query, args in calls_by_query.items():
            conditions, params = ['TRUE'], []
            for column in ['field', 'unit', 'channel']:
                if args[column]:
                    conditions.append('"%s" = %%s' % column)
                    params.append(args[column])
            if args['date_from']:
                conditions.append('published_at >= %s')
                params.append(args['date_from'])
            if args['date_to']:
                conditions.append('published_at < %s')
                params.append(args['date_to'])
            words = query_words(args['text'])
            if words:
                conditions.append(text_condition())
                params.append(' & '.join(w + ':*' for w in words))
            counts[query] = conn.execute(
                'SELECT count(*) FROM pakn_portal_publication WHERE '
                + ' AND '.join(conditions), params).fetchone()[0]
    return counts


def explain(database, text, filters=None):
    "The plan of portal_search's query for text (EXPLAIN ANALYZE)"
    import psycopg

    from trytond.modules.pakn_portal.publication import query_words
    words = query_words(text)
    conditions, params = [], []
    for column, value in (filters or {}).items():
        conditions.append('"%s" = %%s' % column)
        params.append(value)
    conditions.append(text_condition())
    params.append(' & '.join(w + ':*' for w in words))
    with psycopg.connect(URI, dbname=database) as conn:
        rows = conn.execute(
            'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM '
            'pakn_portal_publication WHERE ' + ' AND '.join(conditions)
            + ' ORDER BY published_at DESC, id DESC LIMIT 21 OFFSET 0',
            params).fetchall()
    return [r[0] for r in rows]


def check_duong_ngap(pool, database):
    """Compare what portal_search finds for "duong ngap" with the rows
    whose folded text has words starting with duong and ngap"""
    import psycopg

    from trytond.modules.pakn_portal.publication import fold
    from trytond.transaction import Transaction
    word = re.compile(r'\w+')
    expected = []
    literal = 0
    with psycopg.connect(URI, dbname=database) as conn:
        for id_, published_at, title, question, answer in conn.execute(
                'SELECT id, published_at, title, question, answer '
                'FROM pakn_portal_publication'):
            text = ' '.join(filter(None, [title, question, answer]))
            words = word.findall(fold(text))
            if (any(w.startswith('duong') for w in words)
                    and any(w.startswith('ngap') for w in words)):
                expected.append((published_at, id_))
                lowered = text.lower()
                if 'đường' in lowered and 'ngập' in lowered:
                    literal += 1
    expected.sort(reverse=True)
    with Transaction().start(database, 0, readonly=True):
        Publication = pool.get('pakn.portal.publication')
        first, more = Publication.portal_search(text="duong ngap", limit=20)
        found, offset = [], 0
        while True:
            ids, more = Publication.portal_search(
                text="duong ngap", offset=offset, limit=1000)
            found.extend(ids)
            offset += 1000
            if not more:
                break
        page = Publication.browse(first)
        page_literal = sum(1 for p in page
            if 'đường' in ' '.join(filter(None, [
                            p.title, p.question, p.answer])).lower()
            and 'ngập' in ' '.join(filter(None, [
                            p.title, p.question, p.answer])).lower())
    return {
        'expected': len(expected),
        'literal': literal,
        'found': len(found),
        'same': found == [i for _, i in expected],
        'first_page': len(first),
        'first_page_literal': page_literal,
        }


def measure_similar(pool, database, texts, timeout):
    """Time Publication.similar (the suggestions of /goi-y as the text is
    typed) for each text, twice, the second kept; None when it is
    cancelled after timeout seconds"""
    from trytond.transaction import Transaction
    times = []
    for text in texts:
        for _ in range(2):
            with Transaction().start(
                    database, 0, readonly=True) as transaction:
                transaction.connection.cursor().execute(
                    "SET LOCAL statement_timeout = %d" % (timeout * 1000))
                Publication = pool.get('pakn.portal.publication')
                begin = time.perf_counter()
                try:
                    Publication.similar(text)
                    elapsed = (time.perf_counter() - begin) * 1000
                except Exception as exception:
                    if 'statement timeout' not in str(exception):
                        raise
                    elapsed = None
                transaction.rollback()
            if elapsed is None:
                break
        times.append(elapsed)
    return times


def measure_unit_choices(database, app, count=20):
    """Time the list page's choices of units (common.choices of pakn.unit), the
    part of the page that does not depend on the query"""
    from trytond.modules.pakn_portal.site import common
    from trytond.transaction import Transaction
    times = []
    with app.app_context():
        for _ in range(count + 2):
            with Transaction().start(database, 0, readonly=True):
                begin = time.perf_counter()
                common.choices("pakn.unit")
                times.append((time.perf_counter() - begin) * 1000)
    return times[2:]


def measure_pages(client, urls, status):
    times = []
    for url in urls:
        begin = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
        if response.status_code != status:
            raise AssertionError("%s: %s instead of %s"
                % (url, response.status_code, status))
        response.close()
    return times


def submission(generator, number, base):
    case = generator.case()
    kind, name = generator.person()
    return {
        'submitter_type': kind,
        'submitter_name': name,
        'submitter_phone': '0912%06d' % ((base + number) % 10 ** 6),
        'submitter_address': case['address'],
        'content': "%s (Phản ánh thử nghiệm số %d.)" % (
            case['content'], base + number),
        'matter_place': case['place'] or '',
        'consent': 'on',
        }


def measure_submit(client, forms):
    times = []
    for form in forms:
        begin = time.perf_counter()
        response = client.post('/gui-phan-anh', data=form)
        times.append((time.perf_counter() - begin) * 1000)
        if response.status_code != 303:
            raise AssertionError("submission refused: %s %s" % (
                    response.status_code, response.text[:2000]))
    return times


def measure_submit_http(app, forms, threads=2):
    """POST the forms over HTTP from threads against werkzeug's threaded
    server on loopback; return (elapsed seconds, latencies in ms)"""
    import logging

    from werkzeug.serving import make_server
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    times, errors = [], []
    lock = threading.Lock()

    def work(part):
        for form in part:
            body = urlencode(form)
            begin = time.perf_counter()
            conn = http.client.HTTPConnection('127.0.0.1', server.port)
            conn.request('POST', '/gui-phan-anh', body, {
                    'Content-Type': 'application/x-www-form-urlencoded'})
            response = conn.getresponse()
            response.read()
            conn.close()
            elapsed = (time.perf_counter() - begin) * 1000
            with lock:
                times.append(elapsed)
                if response.status != 303:
                    errors.append(response.status)
    workers = [threading.Thread(target=work, args=(forms[i::threads],))
        for i in range(threads)]
    begin = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - begin
    server.shutdown()
    if errors:
        raise AssertionError("submissions refused over HTTP: %s" % errors)
    return elapsed, times


# Report ----------------------------------------------------------------

def code_version():
    "The commit measured and the files of the modules changed since"
    try:
        commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short',
                'HEAD'], capture_output=True, text=True, check=True
            ).stdout.strip()
        changed = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain',
                '--', 'addons'], capture_output=True, text=True, check=True
            ).stdout.split('\n')
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    changed = [line[3:] for line in changed if line.strip()]
    if changed:
        return "commit %s with uncommitted changes to %s" % (
            commit, ', '.join('`%s`' % c for c in changed))
    return "commit %s" % commit


def pg_settings():
    import psycopg
    with psycopg.connect(URI, dbname='postgres') as conn:
        return ', '.join('%s %s' % (name, conn.execute(
                        'SHOW %s' % name).fetchone()[0])
            for name in ['shared_buffers', 'work_mem', 'jit'])


def fts_index():
    "The name of the full-text index of the module"
    from trytond.modules.pakn_portal.publication import FTS_INDEX
    return FTS_INDEX


def scan(plan):
    "The index a plan reads"
    for line in plan:
        if fts_index() in line:
            return 'the GIN index'
    for line in plan:
        found = re.search(r'Index Scan using (\S+)', line)
        if found:
            return 'the index `%s` in the order of the page, the text ' \
                'checked row by row' % found.group(1)
    return 'no index'


def row_by_row(plan):
    """(rows read, ms) when the plan reads the rows in the page's order and
    checks the text of each, else None"""
    if scan(plan) == 'the GIN index':
        return None
    removed = re.search(r'Rows Removed by Filter: (\d+)', '\n'.join(plan))
    total = re.search(r'actual time=[\d.]+\.\.([\d.]+) rows=(\d+)',
        plan[0])
    if not removed or not total:
        return None
    return int(removed.group(1)) + int(total.group(2)), float(total.group(1))


def brief(plan, count=10):
    """The first lines of a plan without the buffers and the sorts' memory,
    the expression of the document written FTS_DOCUMENT"""
    skip = re.compile(r'^\s*(Buffers|Planning|Sort Method|Heap Blocks|'
        r'Execution Time|Planning Time)')
    document = re.compile(r"to_tsvector\('simple'::regconfig, "
        r"pakn_unaccent\(.*?COALESCE\(answer, ''::text\)\)\)\)")
    return [document.sub('FTS_DOCUMENT', line)
        for line in plan if not skip.match(line)][:count]


def ms(value):
    return '%.1f' % value


def main():
    parser = argparse.ArgumentParser(
        description="Benchmark of the portal's search, list and submission")
    parser.add_argument('--cases', type=int, default=100_000)
    parser.add_argument('--database', default=DATABASE)
    parser.add_argument('--keep', action='store_true',
        help="reuse the database if it exists and keep it")
    parser.add_argument('--queries', type=int, default=210)
    parser.add_argument('--submissions', type=int, default=300)
    parser.add_argument('--no-write', action='store_true')
    args = parser.parse_args()
    database = args.database
    started = time.perf_counter()
    code = code_version()
    with tempfile.TemporaryDirectory(prefix='pakn-bench-') as tmp:
        # trytond binds its backend when first imported
        os.environ.pop('TRYTOND_CONFIG', None)
        os.environ.update(TRYTOND_DATABASE_URI=URI,
            TRYTOND_DATABASE__PATH=tmp)
        reuse = args.keep and database_exists(database)
        if not reuse:
            begin = time.perf_counter()
            create_database(URI, database,
                ['pakn_helpdesk', 'pakn_sms', 'pakn_portal'], tmp)
            print("database %s created by trytond-admin in %.1f s"
                % (database, time.perf_counter() - begin))
        from trytond.modules.pakn_helpdesk.common import zone
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        Pool.start()
        pool = Pool(database)
        with Transaction().start(database, 0):
            pool.init()
        units = setup_organisation(pool, database)
        published = psql('SELECT count(*) FROM pakn_portal_publication',
            database, fetch=True)[0][0]
        load_time = None
        if not published:
            load_time = load(pool, database, args.cases, units,
                random.Random(SEED))
        else:
            print("reusing %s: %d published cases" % (database, published))
            # the module's full-text column and index, as an update of the
            # module would bring them
            with Transaction().start(database, 0) as transaction:
                pool.get('pakn.portal.publication')._register_fulltext()
                transaction.commit()
            psql('ANALYZE pakn_portal_publication', database)
        counts = dict(psql(
                "SELECT 'published', count(*) FROM pakn_portal_publication "
                "UNION ALL SELECT 'tickets', count(*) FROM pakn_ticket "
                "UNION ALL SELECT 'size', pg_total_relation_size("
                "'pakn_portal_publication') UNION ALL SELECT 'fts', "
                "pg_relation_size('%s')" % fts_index(),
                database, fetch=True))
        with Transaction().start(database, 0, readonly=True):
            channels = {c.code: c.id
                for c in pool.get('pakn.channel').search([])}
            fields_ = {f.code: f.id for f in pool.get('pakn.field').search([])}
            timezone = pool.get('pakn.configuration')(1).timezone
        today = dt.datetime.now(zone(timezone)).date()

        load_before = os.getloadavg()[0]
        queries = draw_queries(args.queries)
        list_of = {q: list_args(q, units, fields_, channels, today)
            for q in QUERIES}
        calls_of = {q: search_args(a, timezone) for q, a in list_of.items()}
        found = matches(database, calls_of)

        # a. portal_search (a first pass over each query warms the caches)
        measure_search(pool, database, calls_of.values())
        search_times = measure_search(
            pool, database, [calls_of[q] for q in queries])
        print("portal_search: p50 %.1f ms, p95 %.1f ms, max %.1f ms" % tuple(
                summary(search_times)[k] for k in ['p50', 'p95', 'max']))

        # b, c, d. The site
        from trytond.modules.pakn_portal.site import create_app
        app = create_app({
                'TRYTON_DATABASE': database,
                'SECRET_KEY': 'bench-portal-1022',
                'RATELIMIT_ENABLED': False,
                'WTF_CSRF_ENABLED': False,
                }, instance_path=os.path.join(tmp, 'instance'))
        client = app.test_client()
        urls = {q: '/cau-tra-loi' + ('?' + urlencode(a) if a else '')
            for q, a in list_of.items()}
        measure_pages(client, urls.values(), 200)
        list_times = measure_pages(client, [urls[q] for q in queries], 200)
        print("list page: p50 %.1f ms, p95 %.1f ms, max %.1f ms" % tuple(
                summary(list_times)[k] for k in ['p50', 'p95', 'max']))
        page = client.get('/cau-tra-loi?q=duong+ngap').text
        cards = page.count('<li class="card">')
        next_link = 'rel="next"' in page

        units_times = measure_unit_choices(database, app)

        rng = random.Random(SEED)
        ids = [r[0] for r in psql('SELECT id FROM pakn_portal_publication',
                database, fetch=True)]
        sample = [rng.choice(ids) for _ in range(args.queries)]
        redirect_times, targets = [], []
        for id_ in sample[:20]:  # warm up
            client.get('/cau-tra-loi/%d' % id_)
        for id_ in sample:
            begin = time.perf_counter()
            response = client.get('/cau-tra-loi/%d' % id_)
            redirect_times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 301, response.status_code
            targets.append(urlsplit(response.headers['Location']).path)
        detail_times = measure_pages(client, targets, 200)
        print("detail page: 301 p95 %.1f ms, page p95 %.1f ms" % (
                summary(redirect_times)['p95'], summary(detail_times)['p95']))

        generator = Generator(random.Random(SEED + 1), units)
        base = int(time.time()) % 10 ** 6
        forms = [submission(generator, i, base)
            for i in range(2 * args.submissions + 10)]
        measure_submit(client, forms[:10])  # warm up
        begin = time.perf_counter()
        submit_times = measure_submit(
            client, forms[10:10 + args.submissions])
        submit_elapsed = time.perf_counter() - begin
        http_elapsed, http_times = measure_submit_http(
            app, forms[10 + args.submissions:], threads=2)
        print("submissions: %.1f/s (p95 %.1f ms); over HTTP from 2 threads "
            "%.1f/s (p95 %.1f ms)" % (
                args.submissions / submit_elapsed,
                summary(submit_times)['p95'],
                args.submissions / http_elapsed, summary(http_times)['p95']))

        similar_times = measure_similar(
            pool, database, SIMILAR, SIMILAR_TIMEOUT)
        print("similar: %s" % ', '.join(
                '%.0f ms' % t if t is not None else 'cancelled'
                for t in similar_times))

        check = check_duong_ngap(pool, database)
        print("duong ngap: %(found)d found, %(expected)d expected, same "
            "order %(same)s; first page %(first_page)d, with đường and ngập "
            "written %(first_page_literal)d" % check)
        plans = {text: explain(database, text) for text in PLANS}
        for text, plan in plans.items():
            print("EXPLAIN %r:" % text)
            print('\n'.join('    ' + line for line in plan))
        # The slowest kinds of query, to see where the time goes
        by_query = {}
        for query, elapsed in zip(queries, search_times):
            by_query.setdefault(query, []).append(elapsed)
        slowest = sorted(by_query.items(),
            key=lambda item: -max(item[1]))[:3]
        load_after = os.getloadavg()[0]
        Pool.stop(database)
    if not args.keep:
        psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % database)
    total = time.perf_counter() - started

    # Report
    search_s, list_s = summary(search_times), summary(list_times)
    met = search_s['p95'] <= TARGET_MS and list_s['p95'] <= TARGET_MS
    gin_used = scan(plans[PLANS[0]]) == 'the GIN index'
    command = '.venv/bin/python bench/portal.py' + ''.join(
        ' ' + a for a in sys.argv[1:])
    if os.environ.get('MAKELEVEL') and not sys.argv[1:]:
        command = 'make bench-portal'
    lines = [
        "## %s (`make bench-portal`)" % SECTION,
        "",
        "Command: `%s`, %.0f s in all%s  " % (command, total,
            ', the data loaded in %.0f s' % load_time if load_time else ''),
        "Machine: %s; PostgreSQL %s (%s)  " % (
            machine(), pg_version(URI), pg_settings()),
        "Date: %s; load average %.1f before the measures, %.1f after%s  " % (
            dt.date.today().isoformat(), load_before, load_after,
            ' (other work on the machine: the times vary more)'
            if max(load_before, load_after) > 1.5 else ''),
        "Code: %s  " % code,
        "Data: %d published cases over %d years among %d cases "
        "(the others answered privately, rejected or answered by the "
        "hotline), %d units; pakn_portal_publication %d MB with its "
        "indexes, the full-text index %d MB" % (
            counts['published'], YEARS, counts['tickets'], len(units),
            counts['size'] // 2 ** 20, counts['fts'] // 2 ** 20),
        "",
        "Target: p95 ≤ %d ms for search and list with 100,000 published "
        "cases: **%s**%s." % (TARGET_MS, 'met' if met else 'not met',
            '' if counts['published'] >= 100_000 else
            ' (measured with %d cases only)' % counts['published']),
        "",
        "| measure (ms unless stated) | n | p50 | p95 | max |",
        "|---|---|---|---|---|",
        ]

    def row(label, s):
        lines.append("| %s | %d | %s | %s | %s |" % (
                label, s['n'], ms(s['p50']), ms(s['p95']), ms(s['max'])))
    row("a. `Publication.portal_search` (all queries)", search_s)
    for kind in KINDS:
        row("&nbsp;&nbsp;%s" % kind, summary([t for q, t in zip(
                        queries, search_times) if q[0] == kind]))
    row("b. list page `GET /cau-tra-loi?…` (all queries)", list_s)
    for kind in KINDS:
        row("&nbsp;&nbsp;%s" % kind, summary([t for q, t in zip(
                        queries, list_times) if q[0] == kind]))
    row("&nbsp;&nbsp;of which the choices of units (`common.choices`)",
        summary(units_times))
    row("c. detail `GET /cau-tra-loi/<id>` (301)", summary(redirect_times))
    row("c. detail `GET /cau-tra-loi/<id>-<slug>` (200)",
        summary(detail_times))
    row("d. submission `POST /gui-phan-anh`, test client", summary(
            submit_times))
    row("d. submission over HTTP, 2 threads", summary(http_times))
    lines += [
        "",
        "| throughput | result |",
        "|---|---|",
        "| submissions, 1 thread (test client) | %.1f /s |"
        % (args.submissions / submit_elapsed),
        "| submissions, 2 threads over HTTP (werkzeug, loopback) | %.1f /s |"
        % (args.submissions / http_elapsed),
        "",
        "| e. `Publication.similar`, the suggestions of `/goi-y` for the "
        "text typed | ms |",
        "|---|---|",
        ]
    lines += ["| %s | %s |" % (text, ms(t) if t is not None
            else '**cancelled after %d s**' % SIMILAR_TIMEOUT)
        for text, t in zip(SIMILAR, similar_times)]
    lines += [
        "",
        "Queries: %d drawn with a fixed seed from %d, the kinds in turn, "
        "after one warm-up pass; each search in its read-only transaction, "
        "each page through Flask's test client (rate limits and CSRF off). "
        "The queries and the rows each matches:" % (len(queries),
            len(QUERIES)),
        "",
        ]
    for kind in KINDS:
        kind_queries = [q for q in QUERIES if q[0] == kind]
        lines.append("- %s: %s" % (kind, '; '.join(
                    '%s%s %d' % ('"%s"' % q[1] if q[1] else '',
                        (' ' if q[1] else '') + ', '.join(
                            '%s=%s' % item for item in q[2])
                        if q[2] else '', found[q])
                    for q in kind_queries)))
    lines += [
        "",
        "Correctness: \"duong ngap\" finds %(found)d cases, those whose "
        "folded text (diacritics removed) has words starting with duong and "
        "ngap, counted in Python over every row: %(expected)d, same ids in "
        "the same order: %(same)s; %(first_page_literal)d of the "
        "%(first_page)d of the first page have \"đường\" and \"ngập\" "
        "written so (%(literal)d of all; the others through a word written "
        "otherwise, such as \"Dương\")." % check,
        "The list page for \"duong ngap\" shows %d answers%s." % (
            cards, ' and a link to the next page' if next_link
            else ', **no link to the next page**'),
        "GIN index `%s` used for a rare word (\"%s\"): %s. Indexes the "
        "planner chose: %s." % (fts_index(), PLANS[0],
            'yes' if gin_used else '**no**',
            '; '.join('"%s" %s' % (t, scan(p)) for t, p in plans.items())),
        ]
    diagnosis = []
    for text, plan in plans.items():
        read = row_by_row(plan)
        if read:
            rows, elapsed = read
            recomputed = any('Filter: (to_tsvector(' in line for line in plan)
            diagnosis.append('"%s" reads %d rows for 21 in %.1f ms, %.3f ms '
                'a row%s' % (text, rows, elapsed, elapsed / rows,
                    ' (the document computed again for each)'
                    if recomputed else ''))
    if diagnosis:
        lines.append("Read in the order of the page: %s." % '; '.join(
                diagnosis))
    lines += ["Plans (EXPLAIN ANALYZE, first lines):", ""]
    for text, plan in plans.items():
        lines.append("    %s" % text)
        lines += ['        ' + line for line in brief(plan)]
    lines += [
        "",
        "Slowest searches (ms): " + '; '.join(
            '%s%s: max %.1f, median %.1f' % (
                '"%s"' % q[1] if q[1] else '(no text)',
                ' ' + ', '.join('%s=%s' % i for i in q[2])
                if q[2] else '', max(t), statistics.median(t))
            for q, t in slowest) + '.',
        "",
        ]
    print('\n'.join(lines))
    if not args.no_write:
        write_results(SECTION, lines)
    return 0 if met and check['same'] and cards == 20 and gin_used else 1


if __name__ == '__main__':
    sys.exit(main())
