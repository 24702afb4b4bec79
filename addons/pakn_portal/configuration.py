# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The portal's settings. The link to its tracking page of a case, which
the SMS carry, is the helpdesk's (pakn.configuration tracking_url,
pakn.ticket get_tracking_link): the SMS work with or without the portal."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'pakn.configuration'

    portal_duplicate_window = fields.Integer(
        "Duplicate Window", required=True,
        help="In minutes: the same content sent again from the same phone "
        "within this time is a duplicate. The same browser gets its case "
        "back; another browser's submission is recorded as a new case "
        "linked to the first, for the operator to confirm.")
    portal_max_files = fields.Integer(
        "Files per Submission", required=True)
    portal_max_file_size = fields.Integer(
        "Largest Image or Document", required=True, help="In megabytes.")
    portal_max_media_size = fields.Integer(
        "Largest Audio or Video", required=True, help="In megabytes.")

    @staticmethod
    def default_portal_duplicate_window():
        return 30

    @staticmethod
    def default_portal_max_files():
        return 5

    @staticmethod
    def default_portal_max_file_size():
        return 10

    @staticmethod
    def default_portal_max_media_size():
        return 30

    def portal_size_limit(self, kind):
        "The largest size in bytes of a file of the kind"
        megabytes = (self.portal_max_media_size
            if kind in {'audio', 'video'} else self.portal_max_file_size)
        return (megabytes or 0) * 1024 * 1024
