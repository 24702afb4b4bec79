# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Sign and verify PDF documents (PAdES) with pyHanko.

Plain Python, no Tryton model: the unit configuration and the portal page
"Kiểm tra văn bản" call sign_pdf() and verify_pdf().

sign_pdf() signs with a PKCS#12 archive.  A PKCS#11 token (the USB tokens
officials sign with) plugs in through sign_pdf_with(): open a session with
``pyhanko.sign.pkcs11.open_pkcs11_session`` (library, slot or token label,
PIN), build a ``pyhanko.sign.pkcs11.PKCS11Signer`` (key and certificate
labels) and pass it instead of the SimpleSigner.

Trust comes only from the roots given by the caller (the national root CA
and the government CA chain configured by the administrator), never from
the operating system's store.
"""
import io
from collections import namedtuple

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

__all__ = [
    'VerifyResult', 'sign_pdf', 'sign_pdf_with', 'verify_pdf',
    'make_validation_context',
    'NOT_PDF', 'NOT_SIGNED', 'ALTERED', 'MODIFIED_AFTER', 'REVOKED',
    'UNTRUSTED', 'TIMESTAMP_INVALID', 'ERROR',
    ]

# Reasons for failure, in plain English: the caller translates them
# (they are stable strings, usable as message keys).
NOT_PDF = 'The file is not a readable PDF document.'
NOT_SIGNED = 'The document is not signed.'
ALTERED = 'The signed content has been altered.'
MODIFIED_AFTER = 'The document has been modified after it was signed.'
REVOKED = "The signer's certificate has been revoked."
UNTRUSTED = (
    "The signer's certificate is not valid or does not chain to a "
    "trusted root (expired, unknown issuer or not allowed for signing).")
TIMESTAMP_INVALID = 'The signature timestamp is not valid or not trusted.'
ERROR = 'The signature could not be checked.'

VerifyResult = namedtuple('VerifyResult', [
        'signed',  # the document carries a signature
        'valid',  # intact and trusted (and its timestamp, if any, too)
        'intact',  # signed bytes unaltered and nothing added after
        'trusted',  # the signer chains to a given root, not revoked
        'revoked',
        'signer_name',  # subject common name
        'signer_organisation',  # subject organisation
        'signed_at',  # timestamp time if any, else the claimed time
        'timestamped',  # carries a signature timestamp token
        'reason',  # None when valid, else one of the strings above
        'signer_certificate',  # DER bytes of the signer's certificate
        'title',  # the document's title when it was signed, or None
        ])


def _der_list(items, kind):
    "Return a list of DER bytes from asn1crypto/cryptography objects or bytes"
    result = []
    for item in items or ():
        if hasattr(item, 'dump'):  # asn1crypto
            result.append(item.dump())
        elif hasattr(item, 'public_bytes'):  # cryptography
            result.append(item.public_bytes(Encoding.DER))
        elif isinstance(item, (bytes, bytearray)):
            data = bytes(item)
            if pem.detect(data):
                result.extend(der for _, _, der in pem.unarmor(
                            data, multiple=True))
            else:
                result.append(data)
        else:
            raise TypeError('Unsupported %s: %r' % (kind, type(item)))
    return result


def _certs(items):
    return [asn1_x509.Certificate.load(d)
        for d in _der_list(items, 'certificate')]


def make_validation_context(
        trust_roots, other_certs=(), crls=(), ocsps=(), moment=None,
        allow_fetching=False):
    """Return a ValidationContext trusting only trust_roots.

    Revocation is checked in 'hard-fail' mode when CRLs or OCSP responses
    are given (then every certificate of the chain that declares a CRL or
    OCSP location must be covered by them) and in 'soft-fail' mode
    otherwise."""
    crls = [asn1_crl.CertificateList.load(d)
        for d in _der_list(crls, 'CRL')]
    ocsps = [asn1_ocsp.OCSPResponse.load(d)
        for d in _der_list(ocsps, 'OCSP response')]
    revocation_mode = 'hard-fail' if (crls or ocsps) else 'soft-fail'
    return ValidationContext(
        trust_roots=_certs(trust_roots),
        other_certs=_certs(other_certs),
        crls=crls, ocsps=ocsps, moment=moment,
        allow_fetching=allow_fetching,
        revocation_mode=revocation_mode)


def sign_pdf(
        pdf_bytes, pkcs12_bytes, passphrase, timestamper_url=None,
        timestamper=None, reason=None, location=None,
        field_name='Signature1', validation_context=None):
    """Sign pdf_bytes and return the signed PDF bytes.

    pkcs12_bytes is a PKCS#12 archive (.p12/.pfx) with the key, the signer's
    certificate and, ideally, its CA chain; passphrase is str or bytes.

    The level is PAdES baseline B-T when a timestamp authority is given
    (timestamper_url: an RFC 3161 URL; or timestamper: a pyHanko
    TimeStamper, e.g. DummyTimeStamper in tests) and B-B without one.

    B-LT (revocation information embedded in the document security store)
    is produced only when a pyHanko ValidationContext is given as
    validation_context and it can validate the signer: offline that means
    it carries the CRLs/OCSP responses of the chain (see
    make_validation_context()), online it needs allow_fetching=True; if
    the signer cannot be validated with it, signing raises.  Without it,
    B-LT is skipped and the signature stays B-T.
    """
    if isinstance(passphrase, str):
        passphrase = passphrase.encode('utf-8')
    signer = signers.SimpleSigner.load_pkcs12_data(
        pkcs12_bytes, other_certs=(), passphrase=passphrase or None)
    return sign_pdf_with(
        signer, pdf_bytes, timestamper_url=timestamper_url,
        timestamper=timestamper, reason=reason, location=location,
        field_name=field_name, validation_context=validation_context)


def sign_pdf_with(
        signer, pdf_bytes, timestamper_url=None, timestamper=None,
        reason=None, location=None, field_name='Signature1',
        validation_context=None):
    """Sign pdf_bytes with any pyHanko Signer and return the signed bytes.

    The hook for PKCS#11 tokens: pass a pyhanko.sign.pkcs11.PKCS11Signer
    (same arguments as sign_pdf otherwise)."""
    if timestamper is None and timestamper_url:
        timestamper = timestamps.HTTPTimeStamper(timestamper_url)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        md_algorithm='sha256',
        use_pades_lta=False,
        embed_validation_info=validation_context is not None,
        validation_context=validation_context)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer,
        timestamper=timestamper)
    output = pdf_signer.sign_pdf(writer, output=io.BytesIO())
    return output.getvalue()


def _name(cert):
    subject = cert.subject.native
    return subject.get('common_name'), subject.get('organization_name')


def _signed_title(embedded):
    "The title of the document information in the signed revision"
    try:
        resolver = embedded.reader.get_historical_resolver(
            embedded.signed_revision)
        info = resolver.trailer_view.get('/Info')
        if info is None:
            return None
        title = info.get_object().get('/Title')
        return str(title) if title is not None else None
    except Exception:
        return None


def _intact(status):
    "The signed bytes are unaltered and nothing but LTV data follows"
    if not (status.intact and status.valid):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    # Only validation data (DSS) or document timestamps may be appended
    # (B-LT / B-LTA); any other incremental update is refused.
    return (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES)


def _result(signed=False, reason=ERROR, **values):
    data = dict.fromkeys(VerifyResult._fields)
    data.update(
        signed=signed, valid=False, intact=False, trusted=False,
        revoked=False, timestamped=False, reason=reason)
    data.update(values)
    return VerifyResult(**data)


def verify_pdf(
        pdf_bytes, trust_roots, other_certs=(), crls=(), ocsps=(),
        moment=None, allow_fetching=False):
    """Verify the last signature of pdf_bytes and return a VerifyResult.

    trust_roots, other_certs: certificates (asn1crypto, cryptography or
    DER/PEM bytes); crls, ocsps: revocation data (objects or DER/PEM bytes)
    that makes revocation checking 'hard-fail'; moment: the validation
    time (default now; a signer certificate expired by now is checked at
    the time of a valid and trusted signature timestamp instead, when the
    signature has one: B-T keeps an answer valid after its certificate
    expired).

    The last signature is the one checked: it must cover the whole file,
    only validation data (B-LT) may be appended after it.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:
        return _result(reason=NOT_PDF)
    if not signatures:
        return _result(reason=NOT_SIGNED)
    embedded = signatures[-1]
    try:
        context = make_validation_context(
            trust_roots, other_certs=other_certs, crls=crls, ocsps=ocsps,
            moment=moment, allow_fetching=allow_fetching)
        status = validate_pdf_signature(embedded, context)
    except Exception:
        return _result(signed=True, reason=ERROR)
    timestamp = status.timestamp_validity
    if (moment is None and not status.trusted and not status.revoked
            and timestamp is not None and timestamp.valid
            and timestamp.intact and timestamp.trusted):
        # A certificate that has expired since: the timestamp proves the
        # signature existed at its time, when the chain is checked
        try:
            context = make_validation_context(
                trust_roots, other_certs=other_certs, crls=crls,
                ocsps=ocsps, moment=timestamp.timestamp,
                allow_fetching=allow_fetching)
            status = validate_pdf_signature(embedded, context)
        except Exception:
            return _result(signed=True, reason=ERROR)
        timestamp = status.timestamp_validity
    name, organisation = _name(status.signing_cert)
    signed_at = (timestamp.timestamp if timestamp is not None
        else status.signer_reported_dt)
    intact = _intact(status)
    trusted = status.trusted
    timestamp_ok = timestamp is None or (
        timestamp.valid and timestamp.intact and timestamp.trusted)
    if not (status.intact and status.valid):
        reason = ALTERED
    elif not intact:
        reason = MODIFIED_AFTER
    elif status.revoked:
        reason = REVOKED
    elif not trusted:
        reason = UNTRUSTED
    elif not timestamp_ok:
        reason = TIMESTAMP_INVALID
    elif not status.bottom_line:
        reason = ERROR
    else:
        reason = None
    return _result(
        signed=True, valid=reason is None, intact=intact, trusted=trusted,
        revoked=status.revoked, signer_name=name,
        signer_organisation=organisation, signed_at=signed_at,
        timestamped=timestamp is not None, reason=reason,
        signer_certificate=status.signing_cert.dump(),
        title=_signed_title(embedded))
