# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Debian's Chromium for the browser tests, through Playwright (never a
downloaded browser)."""
import os

CHROMIUM = '/usr/bin/chromium'
ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync']


def launch(playwright):
    "Start headless Chromium, or say how to install it"
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(
            "%s is missing: `make test` installs Debian's chromium"
            % CHROMIUM)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
