# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import AccessError, ValidationError


class ReportAccessError(AccessError):
    "The user may not produce the report of that unit"
    pass


class ReportValidationError(ValidationError):
    pass
