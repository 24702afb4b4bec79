# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The signing configuration of the units (issue 13, point 6).

A unit signs its Annex I answers with a PKCS#12 file or with a PKCS#11
token (the USB tokens of Vietnamese officials, or an HSM), chosen in its
form; the secrets (the PKCS#12 file, its password, the PIN) are read and
written by administrators only (ir.model.field.access in signing.xml).
The unit's certificate is read from the file or the token when the
configuration is saved (nothing is saved when it cannot be read) and kept
in the history of its certificates, which recognises the unit of a signed
answer even after the certificate is renewed.

The configuration holds the timestamp authority (RFC 3161) and the trust
roots (pakn.report.trust_root): the national root CA and the government CA
chain, set by the administrator; the operating system's store is never
used.

sign() is what Ticket._annex_data calls; check() is what the portal's page
"Kiểm tra văn bản" calls through pakn.ticket check_answer_pdf.
"""
import contextlib
import datetime as dt
import hashlib
import logging
import threading
import urllib.parse

from asn1crypto import pem
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from . import signature

__all__ = ['sign', 'check', 'certificate_der', 'fingerprint']

logger = logging.getLogger(__name__)

METHODS = [
    (None, ""),
    ('pkcs12', "PKCS#12 File"),
    ('pkcs11', "PKCS#11 Token"),
    ]
# The fields that change the unit's certificate
SIGNING_FIELDS = {
    'signing_method', 'signing_pkcs12', 'signing_password',
    'pkcs11_library', 'pkcs11_token', 'pkcs11_key_label',
    'pkcs11_cert_label', 'pkcs11_pin',
    }
# The reasons of signature.verify_pdf and their messages
REASONS = {
    signature.NOT_PDF: 'msg_check_not_pdf',
    signature.NOT_SIGNED: 'msg_check_not_signed',
    signature.ALTERED: 'msg_check_altered',
    signature.MODIFIED_AFTER: 'msg_check_modified_after',
    signature.REVOKED: 'msg_check_revoked',
    signature.UNTRUSTED: 'msg_check_untrusted',
    signature.TIMESTAMP_INVALID: 'msg_check_timestamp_invalid',
    signature.ERROR: 'msg_check_error',
    }
REASON = 'Phê duyệt văn bản trả lời phản ánh, kiến nghị'
TSA_TIMEOUT = 10
# A token's login state is per process: one signing with a token at a time
_PKCS11_LOCK = threading.Lock()


class SigningError(UserError):
    "The answer cannot be signed: the approval is refused"


def certificate_der(data):
    """Return the DER bytes of the single X.509 certificate in data (DER
    or PEM), raise ValueError when it is not one"""
    data = bytes(data or b'')
    if pem.detect(data):
        ders = [der for _, _, der in pem.unarmor(data, multiple=True)]
        if len(ders) != 1:
            raise ValueError('not a single certificate')
        data = ders[0]
    x509.load_der_x509_certificate(data)
    return data


def fingerprint(der):
    "The SHA-256 fingerprint of a certificate, lower-case hexadecimal"
    return hashlib.sha256(der).hexdigest()


def _subject(der):
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def _password(value):
    return value.encode('utf-8') if value else None


class TrustRoot(ModelSQL, ModelView):
    __name__ = 'pakn.report.trust_root'
    __string__ = "Trust Root"

    name = fields.Char("Name", required=True)
    certificate = fields.Binary(
        "Certificate", required=True, filename='certificate_name',
        help="An X.509 certificate, DER or PEM: the national root CA or a "
        "CA of the government chain.")
    certificate_name = fields.Char("Certificate File Name")
    subject = fields.Function(fields.Char("Subject"), 'get_certificate_info')
    fingerprint = fields.Function(
        fields.Char("SHA-256 Fingerprint"), 'get_certificate_info')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('certificate'):
            try:
                values['certificate'] = certificate_der(
                    values['certificate'])
            except ValueError:
                pass  # refused by validate_fields with the root's name
        return values

    @classmethod
    def validate_fields(cls, roots, field_names):
        super().validate_fields(roots, field_names)
        if field_names and 'certificate' not in field_names:
            return
        for root in roots:
            try:
                certificate_der(root.certificate)
            except ValueError:
                raise ValidationError(gettext(
                        'pakn_report.msg_trust_root_invalid',
                        name=root.name))

    @classmethod
    def get_certificate_info(cls, roots, names):
        result = {n: {} for n in names}
        for root in roots:
            try:
                der = certificate_der(root.certificate)
            except ValueError:
                der = None
            if 'subject' in names:
                result['subject'][root.id] = der and _subject(der)
            if 'fingerprint' in names:
                result['fingerprint'][root.id] = der and fingerprint(der)
        return result

    @classmethod
    def certificates(cls):
        "The DER bytes of every trust root"
        with without_check_access():
            return [bytes(r.certificate) for r in cls.search([])]


class SigningCertificate(ModelSQL, ModelView):
    "Every certificate a unit has signed with, written by the server"
    __name__ = 'pakn.report.signing_certificate'
    __string__ = "Signing Certificate"

    unit = fields.Many2One(
        'pakn.unit', "Unit", required=True, readonly=True,
        ondelete='CASCADE')
    certificate = fields.Binary("Certificate", readonly=True)
    fingerprint = fields.Char("SHA-256 Fingerprint", readonly=True)
    subject = fields.Char("Subject", readonly=True)
    valid_until = fields.DateTime("Valid Until", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            # a certificate names one unit on the check page
            ('fingerprint_unique', Unique(t, t.fingerprint),
                'pakn_report.msg_signing_certificate_unique'),
            ]
        cls._order.insert(0, ('create_date', 'DESC'))

    @classmethod
    def record(cls, unit, der):
        "Add der to the certificates of unit unless it is there"
        digest = fingerprint(der)
        with without_check_access():
            holders = cls.search([('fingerprint', '=', digest)])
            if any(h.unit == unit for h in holders):
                return
            if holders:
                raise ValidationError(gettext(
                        'pakn_report.msg_signing_certificate_taken',
                        unit=unit.rec_name,
                        other=holders[0].unit.rec_name))
            cert = x509.load_der_x509_certificate(der)
            cls.create([{
                        'unit': unit.id,
                        'certificate': der,
                        'fingerprint': digest,
                        'subject': cert.subject.rfc4514_string(),
                        'valid_until': cert.not_valid_after_utc.replace(
                            tzinfo=None),
                        }])

    @classmethod
    def unit_of(cls, der):
        "The unit of the certificate der, None when no unit has it"
        with without_check_access():
            certificates = cls.search([
                    ('fingerprint', '=', fingerprint(der)),
                    ], order=[('create_date', 'DESC')], limit=1)
        return certificates[0].unit if certificates else None


class Unit(metaclass=PoolMeta):
    __name__ = 'pakn.unit'

    signing_method = fields.Selection(
        METHODS, "Signing Method",
        help="How the unit's answers are signed at approval; leave empty "
        "to store them unsigned.")
    signing_pkcs12 = fields.Binary(
        "PKCS#12 File", filename='signing_pkcs12_name',
        states={
            'invisible': Eval('signing_method') != 'pkcs12',
            'required': Eval('signing_method') == 'pkcs12',
            },
        help="The .p12 or .pfx archive with the key, the certificate and "
        "its CA chain.")
    signing_pkcs12_name = fields.Char(
        "PKCS#12 File Name",
        states={'invisible': Eval('signing_method') != 'pkcs12'})
    signing_password = fields.Char(
        "PKCS#12 Password", strip=False,
        states={'invisible': Eval('signing_method') != 'pkcs12'})
    pkcs11_library = fields.Char(
        "PKCS#11 Library",
        states={
            'invisible': Eval('signing_method') != 'pkcs11',
            'required': Eval('signing_method') == 'pkcs11',
            },
        help="The path of the token's PKCS#11 module on the server, e.g. "
        "/usr/lib/softhsm/libsofthsm2.so.")
    pkcs11_token = fields.Char(
        "Token Label",
        states={
            'invisible': Eval('signing_method') != 'pkcs11',
            'required': Eval('signing_method') == 'pkcs11',
            })
    pkcs11_key_label = fields.Char(
        "Key Label",
        states={'invisible': Eval('signing_method') != 'pkcs11'},
        help="Leave empty when the token holds one key.")
    pkcs11_cert_label = fields.Char(
        "Certificate Label",
        states={'invisible': Eval('signing_method') != 'pkcs11'},
        help="Leave empty to use the key's label.")
    pkcs11_pin = fields.Char(
        "PIN", strip=False,
        states={'invisible': Eval('signing_method') != 'pkcs11'})
    signing_certificate = fields.Binary(
        "Signing Certificate", readonly=True,
        filename='signing_certificate_name',
        help="Read from the PKCS#12 file or the token when the "
        "configuration is saved.")
    signing_certificate_name = fields.Function(
        fields.Char("Signing Certificate File Name"),
        'get_signing_certificate_name')
    signing_subject = fields.Function(
        fields.Char("Signer"), 'get_signing_subject')
    signing_certificates = fields.One2Many(
        'pakn.report.signing_certificate', 'unit', "Signing Certificates",
        help="Every certificate the unit has signed with, to recognise "
        "its answers after a renewal; delete a compromised one.")

    def get_signing_certificate_name(self, name):
        if self.signing_certificate:
            return '%s.cer' % self.code

    def get_signing_subject(self, name):
        if self.signing_certificate:
            return _subject(bytes(self.signing_certificate))

    @classmethod
    def copy(cls, units, default=None):
        default = default.copy() if default is not None else {}
        # a copy is another unit: it neither signs with the certificate
        # nor holds the secrets of the unit copied
        for name in SIGNING_FIELDS | {
                'signing_certificate', 'signing_certificates'}:
            default.setdefault(name)
        return super().copy(units, default=default)

    @classmethod
    def on_modification(cls, mode, units, field_names=None):
        # the certificate is read (the PKCS#12 file opened, the token
        # reached) at every change of the configuration: a configuration
        # that cannot sign is refused, the transaction rolls back
        super().on_modification(mode, units, field_names=field_names)
        if mode == 'delete' or (
                mode == 'write' and not (field_names & SIGNING_FIELDS)):
            return
        SigningCertificate = Pool().get('pakn.report.signing_certificate')
        with without_check_access():
            for unit in cls.browse(units):
                der = unit._read_signing_certificate()
                current = (bytes(unit.signing_certificate)
                    if unit.signing_certificate else None)
                if der != current:
                    cls.write([unit], {'signing_certificate': der})
                if der:
                    SigningCertificate.record(unit, der)

    def _read_signing_certificate(self):
        """Return the DER bytes of the certificate of the configured method
        (None without one); raise ValidationError when it cannot be read"""
        if self.signing_method == 'pkcs12':
            try:
                _, cert, _ = self._load_pkcs12()
            except ValueError:
                raise ValidationError(gettext(
                        'pakn_report.msg_pkcs12_invalid', unit=self.name))
            return cert.public_bytes(Encoding.DER)
        elif self.signing_method == 'pkcs11':
            try:
                with self._pkcs11_signer() as signer:
                    return signer.signing_cert.dump()
            except Exception as exception:
                raise ValidationError(gettext(
                        'pakn_report.msg_pkcs11_invalid', unit=self.name,
                        error=_error(exception)))
        return None

    def _load_pkcs12(self):
        "Return key, certificate, CA chain of the PKCS#12 file"
        if not self.signing_pkcs12:
            raise ValueError('no PKCS#12 file')
        key, cert, chain = pkcs12.load_key_and_certificates(
            bytes(self.signing_pkcs12), _password(self.signing_password))
        if key is None or cert is None:
            raise ValueError('no key or certificate')
        return key, cert, chain

    def _pkcs11_signer(self):
        "A context manager giving the PKCS11Signer of the unit's token"
        return _pkcs11_signer(self)

    def sign_pdf(self, data, tsa_url=None, trust_roots=()):
        """Return data signed with the unit's certificate, data itself
        without a signing method; raise SigningError when it fails.

        B-LT (the chain and its revocation data embedded) when trust roots
        are configured and the chain can be validated with fetching, else
        B-T; a timestamp authority is required."""
        if not self.signing_method:
            return data
        if not tsa_url:
            # PAdES B-T at least: no signature without its timestamp
            raise SigningError(gettext(
                    'pakn_report.msg_signing_no_timestamp', unit=self.name))
        with without_check_access(), contextlib.ExitStack() as stack:
            if self.signing_method == 'pkcs12':
                try:
                    self._load_pkcs12()
                except ValueError:
                    raise SigningError(gettext(
                            'pakn_report.msg_pkcs12_invalid',
                            unit=self.name))
                pkcs12_data = bytes(self.signing_pkcs12)
                password = self.signing_password

                def sign(**kwargs):
                    return signature.sign_pdf(
                        data, pkcs12_data, password, **kwargs)
            else:
                try:
                    signer = stack.enter_context(self._pkcs11_signer())
                    signer.signing_cert  # the key and certificate found
                except Exception as exception:
                    raise SigningError(gettext(
                            'pakn_report.msg_signing_token', unit=self.name,
                            error=_error(exception)))

                def sign(**kwargs):
                    return signature.sign_pdf_with(signer, data, **kwargs)
            return self._sign(sign, tsa_url, trust_roots)

    def _checked(self, signed, trust_roots):
        """Return signed once it validates against the trust roots (when
        any): a revoked, expired or untrusted certificate signs nothing
        that the check page would refuse"""
        if trust_roots:
            result = signature.verify_pdf(signed, trust_roots)
            if not result.valid:
                raise InvalidSigner(result.reason)
        return signed

    def _sign(self, sign, tsa_url, trust_roots):
        timestamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT)
        kwargs = {
            'timestamper': timestamper,
            'reason': REASON,
            'location': self.name,
            }
        try:
            if trust_roots:
                context = signature.make_validation_context(
                    trust_roots, allow_fetching=True)
                try:
                    return self._checked(
                        sign(validation_context=context, **kwargs),
                        trust_roots)
                except TimestampRequestError:
                    raise
                except Exception as exception:
                    if _invalid_signer(exception):
                        raise
                    # revocation data out of reach: B-T
                    logger.info(
                        "B-LT signature impossible for unit %s, B-T",
                        self.id, exc_info=True)
            return self._checked(sign(**kwargs), trust_roots)
        except TimestampRequestError as exception:
            raise SigningError(gettext(
                    'pakn_report.msg_signing_timestamp', unit=self.name,
                    url=tsa_url, error=_error(exception)))
        except Exception as exception:
            logger.warning(
                "signing for unit %s failed", self.id, exc_info=True)
            raise SigningError(gettext(
                    'pakn_report.msg_signing_failed', unit=self.name,
                    error=_error(exception)))


def _invalid_signer(exception):
    """The exception (or one it comes from) says that the signer's
    certificate is not valid: revoked, expired, not trusted"""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        if isinstance(exception, (
                    PathValidationError, PathBuildingError, InvalidSigner)):
            return True
        exception = exception.__cause__ or exception.__context__
    return False


class InvalidSigner(Exception):
    "The signature made does not validate against the trust roots"


@contextlib.contextmanager
def _pkcs11_signer(unit):
    "Open a session on the unit's token and give its PKCS11Signer"
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11
    with without_check_access():
        library, label, pin = (
            unit.pkcs11_library, unit.pkcs11_token, unit.pkcs11_pin)
        key_label = unit.pkcs11_key_label
        cert_label = unit.pkcs11_cert_label or key_label
    with _PKCS11_LOCK:
        session = pkcs11.open_pkcs11_session(
            library, token_criteria=TokenCriteria(label=label),
            user_pin=pin or None)
        try:
            # other_certs_to_pull=None: the CA chain on the token is
            # embedded
            yield pkcs11.PKCS11Signer(
                session, cert_label=cert_label, key_label=key_label,
                other_certs_to_pull=None)
        finally:
            session.close()


def _error(exception):
    "A short text of the exception for the user"
    text = str(exception).strip() or exception.__class__.__name__
    return text.splitlines()[0][:200]


class Configuration(metaclass=PoolMeta):
    __name__ = 'pakn.configuration'

    signing_tsa_url = fields.Char(
        "Timestamp Authority",
        help="The RFC 3161 address of the timestamp authority that dates "
        "the signatures of the answers (PAdES B-T).")

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names and 'signing_tsa_url' not in field_names:
            return
        for record in records:
            url = record.signing_tsa_url
            if url:
                parts = urllib.parse.urlsplit(url)
                if parts.scheme not in {'http', 'https'} or not parts.netloc:
                    raise ValidationError(gettext(
                            'pakn_report.msg_tsa_url_invalid', url=url))


def sign(unit, data):
    "Return data signed by unit with the configured TSA and trust roots"
    pool = Pool()
    Configuration = pool.get('pakn.configuration')
    TrustRoot = pool.get('pakn.report.trust_root')
    Unit = pool.get('pakn.unit')
    if not unit or not unit.signing_method:
        return data
    with without_check_access():
        config = Configuration(1)
        unit = Unit(unit.id)
        return unit.sign_pdf(
            data, tsa_url=config.signing_tsa_url,
            trust_roots=TrustRoot.certificates())


def check(data):
    """The check of a signed answer (pakn.ticket check_answer_pdf): see
    Ticket.check_answer_pdf"""
    with without_check_access():
        return _check(data)


def _check(data):
    pool = Pool()
    TrustRoot = pool.get('pakn.report.trust_root')
    SigningCertificate = pool.get('pakn.report.signing_certificate')
    from .annex import TITLE
    result = signature.verify_pdf(bytes(data or b''), TrustRoot.certificates())
    unit = None
    if result.signer_certificate:
        unit = SigningCertificate.unit_of(result.signer_certificate)
    reason = result.reason
    if reason is None and unit is None:
        message = 'msg_check_unknown_unit'
    else:
        message = REASONS.get(reason) if reason else None
        if reason and not message:
            message = 'msg_check_error'
    valid = result.valid and unit is not None
    signed_at = result.signed_at
    if signed_at is not None and signed_at.tzinfo is not None:
        signed_at = signed_at.astimezone(dt.timezone.utc).replace(
            tzinfo=None)
    code = None
    title = result.title or ''
    if valid and title.startswith(TITLE + ' '):
        code = title[len(TITLE) + 1:].strip() or None
    return {
        'valid': valid,
        'reason': gettext('pakn_report.%s' % message) if message else None,
        'unit': unit.name if (unit and valid) else None,
        'signed_at': signed_at,
        'code': code,
        'signer': result.signer_name,
        }
