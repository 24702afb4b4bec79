# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from num2words import num2words

from trytond.modules.pakn_report.words import number_to_words

# Written out by hand, as an accountant reads them on a receipt
NUMBERS = [
    (0, 'không'),
    (5, 'năm'),
    (10, 'mười'),
    (14, 'mười bốn'),
    (15, 'mười lăm'),
    (21, 'hai mươi mốt'),
    (25, 'hai mươi lăm'),
    (44, 'bốn mươi bốn'),
    (101, 'một trăm linh một'),
    (105, 'một trăm linh năm'),
    (110, 'một trăm mười'),
    (111, 'một trăm mười một'),
    (115, 'một trăm mười lăm'),
    (121, 'một trăm hai mươi mốt'),
    (1001, 'một nghìn không trăm linh một'),
    (1005, 'một nghìn không trăm linh năm'),
    (1010, 'một nghìn không trăm mười'),
    (1100, 'một nghìn một trăm'),
    (10000, 'mười nghìn'),
    (100000, 'một trăm nghìn'),
    (1000105, 'một triệu một trăm linh năm'),
    (2000014, 'hai triệu không trăm mười bốn'),
    (10000005, 'mười triệu không trăm linh năm'),
    (145001000,
        'một trăm bốn mươi lăm triệu không trăm linh một nghìn'),
    (1000000000, 'một tỷ'),
    (1000001000, 'một tỷ không trăm linh một nghìn'),
    (1000000000000, 'một nghìn tỷ'),
    (2000000000005, 'hai nghìn tỷ không trăm linh năm'),
    (1234567891,
        'một tỷ hai trăm ba mươi bốn triệu năm trăm sáu mươi bảy nghìn '
        'tám trăm chín mươi mốt'),
    ]


class NumberToWordsTestCase(unittest.TestCase):
    "Test number_to_words"

    def test_numbers(self):
        "Numbers written out by hand"
        for number, words in NUMBERS:
            with self.subTest(number=number):
                self.assertEqual(number_to_words(number), words)

    def test_odd(self):
        "'lẻ' instead of 'linh'"
        self.assertEqual(
            number_to_words(1005, odd='lẻ'),
            'một nghìn không trăm lẻ năm')
        with self.assertRaises(ValueError):
            number_to_words(1005, odd='lẽ')

    def test_negative(self):
        "Negative numbers"
        self.assertEqual(number_to_words(-21), 'âm hai mươi mốt')

    def test_not_integer(self):
        "Refuses what is not an integer"
        for value in [1.5, True, '12']:
            with self.subTest(value=value):
                with self.assertRaises((ValueError, TypeError)):
                    number_to_words(value)

    def test_num2words_error(self):
        "num2words still omits 'không trăm' (else simplify words.py)"
        self.assertEqual(
            num2words(145001000, lang='vi'),
            'một trăm bốn mươi lăm triệu một nghìn')
