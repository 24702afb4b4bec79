# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The SMPP adapter against the test SMSC of smsc.py (no database)."""
import socket
import unittest

from smpplib import smpp as smpplib

from trytond.modules.pakn_helpdesk.common import strip_diacritics
from trytond.modules.pakn_sms import smpp

from .smsc import TestSMSC

TEXT = (
    "Phản ánh PAKN-2026-000123-K7Q về đường ngập ở phường Hòa Bình đã "
    "được chuyển đến Sở Xây dựng; hạn xử lý 16:30 ngày 25/11/2026. "
    "Đề nghị đầu mối tiếp nhận và xử lý đúng hạn theo quy định.")
RECIPIENT = '+84912345678'


def free_port():
    "A port nothing listens on"
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SmppTestCase(unittest.TestCase):
    "SMPP v3.4 submit and delivery receipts"

    def setUp(self):
        self.smsc = TestSMSC().start()
        self.addCleanup(self.smsc.stop)
        self.settings = self.smsc.settings()

    def test_wrong_password(self):
        "A refused bind is a permanent error naming the status"
        settings = self.smsc.settings(password='wrong')
        with self.assertRaises(smpp.SmppError) as context:
            smpp.submit(settings, RECIPIENT, "Test")
        self.assertFalse(context.exception.temporary)
        self.assertEqual(context.exception.status, 0x0E)
        self.assertIn('ESME_RINVPASWD', str(context.exception))
        self.assertEqual(self.smsc.binds, [])
        self.assertEqual(self.smsc.submissions, [])

    def test_wrong_system_id(self):
        "An unknown system_id is a permanent error, for receivers too"
        settings = self.smsc.settings(system_id='other')
        with self.assertRaises(smpp.SmppError) as context:
            smpp.fetch_receipts(settings, wait=0.1)
        self.assertFalse(context.exception.temporary)
        self.assertIn('ESME_RINVSYSID', str(context.exception))

    def test_unicode_concatenated(self):
        "Vietnamese goes in 3 UCS-2 parts the SMSC reassembles exactly"
        self.assertEqual(len(TEXT.encode('utf-16-be')) // 2, 185)
        ids = smpp.submit(self.settings, RECIPIENT, TEXT, unicode=True)

        submissions = self.smsc.submissions
        self.assertEqual(len(submissions), 3)
        self.assertEqual(ids, [s['message_id'] for s in submissions])
        self.assertEqual(len(set(ids)), 3)
        references = set()
        for number, submission in enumerate(submissions, 1):
            self.assertEqual(submission['data_coding'], 8)
            self.assertEqual(submission['esm_class'] & 0x40, 0x40)
            udh = submission['udh']
            self.assertEqual(len(udh), 6)
            self.assertEqual(udh[:3], b'\x05\x00\x03')
            self.assertEqual((udh[4], udh[5]), (3, number))
            references.add(udh[3])
            self.assertEqual(submission['destination_addr'], '84912345678')
            self.assertEqual(
                (submission['dest_addr_ton'], submission['dest_addr_npi']),
                (1, 1))
            self.assertEqual(submission['source_addr'], '1022 Gia Lai')
            self.assertEqual(
                (submission['source_addr_ton'],
                    submission['source_addr_npi']), (5, 0))
            self.assertEqual(submission['registered_delivery'], 1)
            self.assertLessEqual(len(submission['short_message']), 140)
        self.assertEqual(len(references), 1)
        self.assertEqual(
            [s['payload'] for s in submissions],
            smpp.segments(TEXT, unicode=True))
        self.assertEqual(
            [len(p) // 2 for p in smpp.segments(TEXT)], [67, 67, 51])

        message, = self.smsc.messages
        self.assertEqual(message['text'], TEXT)
        self.assertEqual(message['parts'], 3)
        self.assertEqual(message['message_ids'], ids)
        self.assertEqual(self.smsc.binds, [('bind_transmitter', 'pakn')])

    def test_single_part(self):
        "A short message goes without UDH"
        ids = smpp.submit(self.settings, RECIPIENT, "Xin chào", unicode=True)
        submission, = self.smsc.submissions
        self.assertEqual(ids, [submission['message_id']])
        self.assertIsNone(submission['udh'])
        self.assertEqual(submission['esm_class'], 0)
        self.assertEqual(submission['short_message'],
            "Xin chào".encode('utf-16-be'))
        self.assertEqual(self.smsc.messages[0]['text'], "Xin chào")

    def test_gsm_concatenated(self):
        "Without diacritics the message goes in 2 GSM parts"
        text = strip_diacritics(TEXT)
        self.assertEqual(len(text), 185)
        ids = smpp.submit(self.settings, RECIPIENT, text, unicode=False)

        self.assertEqual(len(ids), 2)
        submissions = self.smsc.submissions
        self.assertEqual([s['data_coding'] for s in submissions], [0, 0])
        self.assertEqual(
            [len(s['payload']) for s in submissions], [153, 32])
        self.assertEqual(
            [s['udh'][4:] for s in submissions], [b'\x02\x01', b'\x02\x02'])
        message, = self.smsc.messages
        self.assertEqual(message['text'], text)
        self.assertEqual(message['message_ids'], ids)

    def test_gsm_alphabet(self):
        "GSM 03.38, not ASCII: '§' is 0x5F, '_' 0x11, '€' ESC 0x65"
        self.assertEqual(
            smpp.segments('@§_$€[', unicode=False),
            [b'\x00\x5f\x11\x02\x1b\x65\x1b\x3c'])
        # 160 septets fit one message, with an escape counting twice
        self.assertEqual(len(smpp.segments('a' * 158 + '€', False)), 1)
        self.assertEqual(len(smpp.segments('a' * 159 + '€', False)), 2)

    def test_gsm_escape_boundary(self):
        "An escape sequence never ends a part without its character"
        text = 'a' * 152 + '€' + 'b' * 10
        parts = smpp.segments(text, unicode=False)
        self.assertEqual(parts, [b'a' * 152, b'\x1b\x65' + b'b' * 10])
        smpp.submit(self.settings, RECIPIENT, text, unicode=False)
        self.assertEqual(self.smsc.messages[0]['text'], text)

    def test_surrogate_boundary(self):
        "A surrogate pair is never split between two parts"
        text = 'a' * 66 + '\U0001F600' + 'b' * 10
        parts = smpp.segments(text, unicode=True)
        self.assertEqual([len(p) for p in parts], [132, 24])
        for part in parts:
            part.decode('utf-16-be')  # strict: no lone surrogate
        smpp.submit(self.settings, RECIPIENT, text, unicode=True)
        message, = self.smsc.messages
        self.assertEqual(message['parts'], 2)
        self.assertEqual(message['text'], text)

    def test_receipts(self):
        "Receipts stored while no receiver was bound come on its bind"
        ids = smpp.submit(self.settings, RECIPIENT, TEXT, unicode=True)
        self.assertEqual(self.smsc.pending_receipts, 3)

        receipts = smpp.fetch_receipts(self.settings, wait=0.3)

        self.assertEqual(sorted(r['id'] for r in receipts), sorted(ids))
        for receipt in receipts:
            self.assertEqual(receipt['stat'], 'DELIVRD')
            self.assertEqual(receipt['err'], '000')
            self.assertRegex(receipt['done_date'], r'^\d{10}$')
        self.assertEqual(self.smsc.pending_receipts, 0)
        self.assertEqual(
            sorted(self.smsc.acknowledged_receipts), sorted(ids))
        self.assertEqual(self.smsc.binds[-1], ('bind_receiver', 'pakn'))
        # acknowledged receipts are not sent again
        self.assertEqual(smpp.fetch_receipts(self.settings, wait=0.1), [])

    def test_transceiver(self):
        "A receipt coming while a transceiver submits is left to the SMSC"
        first, = smpp.submit(self.settings, RECIPIENT, "Test", unicode=False)
        settings = self.smsc.settings(transceiver=True)
        second, = smpp.submit(settings, RECIPIENT, "Test", unicode=False)
        self.assertEqual(self.smsc.binds[-1], ('bind_transceiver', 'pakn'))
        self.assertEqual(self.smsc.acknowledged_receipts, [])
        self.assertEqual(self.smsc.pending_receipts, 2)

        receipts = smpp.fetch_receipts(settings, wait=0.4)
        self.assertEqual(sorted(r['id'] for r in receipts),
            sorted([first, second]))

    def test_receiver_lost(self):
        "A receipt sent to a receiver that vanished is sent again"
        message_id, = smpp.submit(self.settings, RECIPIENT, "Test")
        with socket.create_connection(('127.0.0.1', self.smsc.port),
                timeout=2) as sock:
            bind = smpplib.make_pdu('bind_receiver', sequence=1,
                system_id='pakn', password='secret')
            bind.sequence = 1
            sock.sendall(bind.generate())
            received = b''
            while b'stat:DELIVRD' not in received:  # bind_resp, deliver_sm
                data = sock.recv(4096)
                self.assertTrue(data, "no receipt sent")
                received += data
        # closed without deliver_sm_resp
        receipts = smpp.fetch_receipts(self.settings, wait=0.3)
        self.assertEqual([r['id'] for r in receipts], [message_id])

    def test_receipt_text(self):
        "The receipt's text gives id, stat, err and date; TLVs win"
        pdu = smpplib.make_pdu('deliver_sm', sequence=1,
            esm_class=0x04, short_message=(
                b'id:0A1B sub:001 dlvrd:000 submit date:2611250930 '
                b'done date:2611251031 stat:UNDELIV err:069 '
                b'text:stat:DELIVRD'))
        self.assertEqual(smpp.parse_receipt(pdu), {
                'id': '0A1B', 'stat': 'UNDELIV', 'err': '069',
                'done_date': '2611251031'})
        pdu.receipted_message_id = b'2587'
        pdu.message_state = 3
        self.assertEqual(smpp.parse_receipt(pdu), {
                'id': '2587', 'stat': 'EXPIRED', 'err': '069',
                'done_date': '2611251031'})
        pdu.esm_class = 0  # a message from a handset
        self.assertIsNone(smpp.parse_receipt(pdu))

    def test_no_receipt_requested(self):
        "Without registered_delivery the SMSC stores no receipt"
        settings = self.smsc.settings(registered_delivery=False)
        smpp.submit(settings, RECIPIENT, "Test", unicode=False)
        self.assertEqual(self.smsc.submissions[0]['registered_delivery'], 0)
        self.assertEqual(self.smsc.pending_receipts, 0)

    def test_refused_submit(self):
        "ESME_RSYSERR is temporary: the next attempt goes through"
        self.smsc.refuse_submits = 1
        with self.assertRaises(smpp.SmppError) as context:
            smpp.submit(self.settings, RECIPIENT, "Test", unicode=False)
        self.assertTrue(context.exception.temporary)
        # refused before any part was accepted: safe to submit again
        self.assertFalse(context.exception.unknown)
        self.assertIn('ESME_RSYSERR', str(context.exception))
        self.assertEqual(self.smsc.refuse_submits, 0)
        self.assertEqual(self.smsc.submissions, [])

        ids = smpp.submit(self.settings, RECIPIENT, "Test", unicode=False)
        self.assertEqual(len(ids), 1)

    def test_invalid_destination(self):
        "ESME_RINVDSTADR is permanent"
        self.smsc.invalid_destinations.add('84900000000')
        with self.assertRaises(smpp.SmppError) as context:
            smpp.submit(self.settings, '+84900000000', "Test")
        self.assertFalse(context.exception.temporary)
        self.assertIn('ESME_RINVDSTADR', str(context.exception))

    def test_malformed_destination(self):
        "A number that is no E.164 fails before connecting"
        with self.assertRaises(smpp.SmppError) as context:
            smpp.submit(self.settings, '+84 91x', "Test")
        self.assertFalse(context.exception.temporary)
        self.assertEqual(self.smsc.binds, [])

    def test_not_listening(self):
        "An SMSC that does not answer is a temporary error"
        settings = self.smsc.settings(port=free_port())
        with self.assertRaises(smpp.SmppError) as context:
            smpp.submit(settings, RECIPIENT, "Test")
        self.assertTrue(context.exception.temporary)
        with self.assertRaises(smpp.SmppError) as context:
            smpp.fetch_receipts(settings, wait=0.1)
        self.assertTrue(context.exception.temporary)

    def test_not_gsm(self):
        "A character outside GSM 03.38 is refused, not dropped"
        for char in ['ơ', '`', '\U0001F600']:
            with self.subTest(char=char):
                with self.assertRaises(smpp.SmppError) as context:
                    smpp.submit(self.settings, RECIPIENT,
                        f"Phan anh {char}", unicode=False)
                self.assertFalse(context.exception.temporary)
        self.assertEqual(self.smsc.binds, [])


if __name__ == '__main__':
    unittest.main()
