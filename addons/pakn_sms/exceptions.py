# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class GatewayValidationError(ValidationError):
    "The configuration of a gateway cannot work"


class TemplateValidationError(ValidationError):
    pass


class MobileNumberError(ValidationError):
    "A number that must receive SMS is not a mobile number"


class GatewayTestError(UserError):
    "A test message through a gateway failed"


class ResendError(UserError):
    pass


class LoginCodeError(UserError):
    "A login that needs a code by SMS cannot go on"
