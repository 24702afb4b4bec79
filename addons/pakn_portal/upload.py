# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The files a citizen may attach: their type is read from their content
(the `filetype` package reads the magic numbers), never from their name."""
import os
import re

import filetype

from trytond.modules.pakn_helpdesk.common import normalize_text

# Kinds of files and the types accepted for each (as filetype names them)
KINDS = {
    'image': {
        'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic',
        'image/avif'},
    'document': {'application/pdf'},
    'audio': {
        'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/x-wav', 'audio/amr',
        'audio/aac', 'audio/x-flac'},
    'video': {
        'video/mp4', 'video/quicktime', 'video/3gpp', 'video/webm',
        'video/x-m4v', 'video/x-matroska'},
    }
# The form's accept attribute: a hint for the phone's file picker only
ACCEPT = 'image/*,application/pdf,audio/*,video/*'


def detect(data):
    """Return (kind, extension, mime) of the content, or None when it is
    not a type citizens may send"""
    guess = filetype.guess(data[:8192])
    if guess is None:
        return None
    for kind, mimes in KINDS.items():
        if guess.mime in mimes:
            return kind, guess.extension, guess.mime
    return None


def safe_name(name, extension):
    """A file name that is safe to store and to offer for download: the
    base name without a path, control or format characters (a right-to-
    left override shows "gpj.exe" as "exe.jpg"), in NFC, with the
    extension of the real type"""
    name = os.path.basename((name or '').replace('\\', '/'))
    name = normalize_text(name)
    name = re.sub(r'[\x00-\x1f\x7f"<>:|?*/]+', '', name).strip(' .')
    stem = os.path.splitext(name)[0][:80].strip(' .') or 'tep'
    return f'{stem}.{extension}'
