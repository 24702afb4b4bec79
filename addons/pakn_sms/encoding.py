# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Encodings and segments of SMS (3GPP TS 23.038 and 23.040).

A message in the GSM 7-bit default alphabet takes 160 characters, or 153 a
part once concatenated (the user data header takes 7 septets). Anything
else, Vietnamese with its diacritics included, goes in UCS-2: 70 UTF-16
code units, or 67 a part."""
import math

# strip_diacritics stays importable from here, as before
from trytond.modules.pakn_helpdesk.common import strip_diacritics

# The default alphabet, by code (0x1B is the escape to the extension
# table), and the extension table's characters with their codes: each of
# these counts twice
GSM7_BASIC = (
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà')
GSM7_EXTENSION = {
    '\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F,
    '[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65,
    }
_BASIC = frozenset(GSM7_BASIC) - {'\x1b'}
_EXTENSION = frozenset(GSM7_EXTENSION)

LIMITS = {
    # encoding: (single, part of a concatenated message)
    'gsm7': (160, 153),
    'ucs2': (70, 67),
    }


def gsm7_length(text):
    "The number of septets of text, or None when it is not GSM 7-bit"
    length = 0
    for char in text:
        if char in _BASIC:
            length += 1
        elif char in _EXTENSION:
            length += 2
        else:
            return None
    return length


def to_gsm7(text):
    "The text without diacritics, with '?' for what GSM 7-bit cannot carry"
    return ''.join(
        c if c in _BASIC or c in _EXTENSION else '?'
        for c in strip_diacritics(text))


def measure(text):
    "Return (encoding, length in its units, segments) of text as it is"
    length = gsm7_length(text)
    if length is not None:
        encoding = 'gsm7'
    else:
        encoding = 'ucs2'
        length = len(text.encode('utf-16-le')) // 2
    single, part = LIMITS[encoding]
    if length <= single:
        segments = 1 if length else 0
    else:
        segments = math.ceil(length / part)
    return encoding, length, segments


def prepare(text, unicode=True):
    """Return (text to send, encoding, segments).

    Without unicode the gateway sends only GSM 7-bit: the diacritics go,
    which makes Vietnamese fit 160 characters a segment instead of 70."""
    if not unicode:
        text = to_gsm7(text)
    encoding, _, segments = measure(text)
    return text, encoding, segments
