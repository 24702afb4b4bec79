# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class RatingError(ValidationError):
    pass


class FollowUpError(UserError):
    pass


class SubmissionError(UserError):
    "A submission from the portal that cannot be taken as it is"

    def __init__(self, message, field=None):
        super().__init__(message)
        # The form field to show the message beside
        self.field = field


class UploadError(SubmissionError):
    pass


class RedactionError(ValidationError):
    "A public copy of the content that does more than hide spans of it"
    pass
