# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Numbers written in Vietnamese words, as official documents write them.

num2words (lang='vi') reads 1 to 999 correctly ("mười lăm", "hai mươi
mốt", "một trăm lẻ năm") but joins the groups of thousands wrongly: a
group after the first whose hundreds digit is 0 loses its "không trăm"
(145 001 000 gives "một trăm bốn mươi lăm triệu một nghìn" instead of
"... triệu không trăm linh một nghìn", 1 010 gives "một nghìn lẻ mười"
instead of "một nghìn không trăm mười"). So it is used here for each
group below 1000 only, and the groups are joined by this module:

- the groups are read three digits at a time with "nghìn", "triệu",
  "tỷ" ("tỷ" repeats: 10^12 is "một nghìn tỷ");
- a group equal to 0 is left out, with its unit;
- a group after the first non-zero group is read with its hundreds
  even when they are 0 ("không trăm"), and a 0 tens digit before a
  non-zero unit digit is read "linh" (or "lẻ", the southern usage);
- within a group: "mười" for 10 to 19, "mươi" for 20 and over, "mốt"
  for a 1 after tens of 20 and over, "lăm" for a 5 after tens.
"""
from num2words import num2words

__all__ = ['number_to_words']

_BILLION = 10 ** 9
_UNITS = ('triệu', 'nghìn', '')


def _below_thousand(n, full, odd):
    "Read 0 < n < 1000; full reads 'không trăm' when the hundreds are 0"
    hundreds, rest = divmod(n, 100)
    if not hundreds and not full:
        return num2words(n, lang='vi')
    words = [num2words(hundreds, lang='vi'), 'trăm']
    if rest:
        if rest < 10:
            words += [odd, num2words(rest, lang='vi')]
        else:
            words.append(num2words(rest, lang='vi'))
    return ' '.join(words)


def _words(n, full, odd):
    "Read 0 < n; full when a non-zero group precedes n"
    words = []
    if n >= _BILLION:
        high, n = divmod(n, _BILLION)
        words += [_words(high, full, odd), 'tỷ']
        full = True
    groups = (n // 10 ** 6, n // 1000 % 1000, n % 1000)
    for group, unit in zip(groups, _UNITS):
        if group:
            words.append(_below_thousand(group, full, odd))
            if unit:
                words.append(unit)
            full = True
    return ' '.join(words)


def number_to_words(n, odd='linh'):
    """Return the integer n in Vietnamese words, lower case.

    odd is the word read for a 0 tens digit before a unit digit: 'linh'
    (the default, as in northern and most administrative usage) or
    'lẻ'.
    """
    if isinstance(n, bool) or int(n) != n:
        raise ValueError('not an integer: %r' % (n,))
    if odd not in ('linh', 'lẻ'):
        raise ValueError('odd must be "linh" or "lẻ"')
    n = int(n)
    if n == 0:
        return 'không'
    if n < 0:
        return 'âm ' + _words(-n, False, odd)
    return _words(n, False, odd)
