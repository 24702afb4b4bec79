# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class PhoneNumberError(ValidationError):
    pass


class EmailError(ValidationError):
    pass


class TicketValidationError(ValidationError):
    pass


class TicketWorkflowError(UserError):
    "A button was pressed without what the step requires"
    pass


class TicketRoleError(AccessError):
    "The user does not hold the role the step requires on the case's unit"
    pass


class EventModificationError(AccessError):
    pass


class UnitValidationError(ValidationError):
    pass


class CalendarValidationError(ValidationError):
    pass


class SLAValidationError(ValidationError):
    pass


class ExtensionError(UserError):
    pass
