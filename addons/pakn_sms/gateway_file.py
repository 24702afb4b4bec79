# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The file gateway (demonstrations, tests): each message is appended to a
file as a JSON line, and found again there by its client reference."""
import json
import os

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.pakn_helpdesk.common import now
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .gateway import SendError


class Gateway(metaclass=PoolMeta):
    __name__ = 'pakn.sms.gateway'

    file_path = fields.Char(
        "File", states={
            'invisible': Eval('kind') != 'file',
            'required': Eval('kind') == 'file',
            },
        help="Messages are appended to this file, one JSON line each.")

    @staticmethod
    def default_kind():
        # A new gateway works at once, without a provider
        return 'file'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('file', "File (demo)"))

    def check_settings(self):
        super().check_settings()
        if self.kind != 'file':
            return
        path = self.file_path or ''
        folder = os.path.dirname(path)
        if (not os.path.isabs(path) or not os.path.isdir(folder)
                or not os.access(folder, os.W_OK)):
            self._invalid('msg_gateway_file', path=path)

    def send(self, message):
        if self.kind != 'file':
            return super().send(message)
        line = json.dumps({
                'date': now().isoformat(' ', 'seconds'),
                'reference': message.reference,
                'sender': self.sender,
                'to': message.recipient,
                'encoding': message.encoding,
                'segments': message.segments,
                'text': message.body,
                }, ensure_ascii=False)
        try:
            with open(self.file_path, 'a', encoding='utf-8') as file:
                file.write(line + '\n')
                file.flush()
                os.fsync(file.fileno())
        except OSError as e:
            raise SendError(gettext(
                    'pakn_sms.msg_gateway_file_error', gateway=self.rec_name,
                    error=str(e))) from e
        return message.reference

    @property
    def can_lookup(self):
        return self.kind == 'file' or super().can_lookup

    def lookup(self, message):
        if self.kind != 'file':
            return super().lookup(message)
        try:
            with open(self.file_path, encoding='utf-8') as file:
                for line in file:
                    try:
                        if json.loads(line).get('reference') == (
                                message.reference):
                            return message.reference
                    except ValueError:
                        continue
        except FileNotFoundError:
            return None
        except OSError as e:
            raise SendError(str(e), outcome='unknown') from e
        return None
