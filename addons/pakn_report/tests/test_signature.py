# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""PAdES signing and verification against an offline PKI built here.

The PKI lives in memory (no private key is committed nor written to disk):
a root CA, an intermediate "government CA", signers for a unit (valid,
expired, revoked), a timestamp authority (pyHanko's DummyTimeStamper) and
the CRLs of both CAs.  Keys are EC P-256 so that the whole test is fast
(the TSA's is RSA: pyHanko's DummyTimeStamper signs with RSA only).
"""
import datetime as dt
import io
import logging
import time
import unittest

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

from ..signature import (
    ALTERED,
    MODIFIED_AFTER,
    NOT_PDF,
    NOT_SIGNED,
    REVOKED,
    UNTRUSTED,
    make_validation_context,
    sign_pdf,
    verify_pdf,
)

PASSPHRASE = 'mật khẩu'
UNIT = 'Sở Xây dựng tỉnh Hà Giang'
TEXT = b'Tra loi phan anh so 12/2026'
NOW = dt.datetime.now(dt.timezone.utc)


def _name(common_name, organisation=None):
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, 'VN')]
    if organisation:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


class _Authority:
    "A certificate with its key, able to issue certificates and CRLs"

    def __init__(self, cert, key, crl_url=None):
        self.cert, self.key, self.crl_url = cert, key, crl_url
        self.serial = 1

    @classmethod
    def root(cls, common_name, crl_url=None):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(common_name, 'Test PKI')
        cert = _build(subject, key.public_key(), subject, key, ca=True,
            serial=1)
        return cls(cert, key, crl_url=crl_url)

    def issue(self, common_name, organisation=None, ca=False,
            not_before=None, not_after=None, eku=None, crl_url=None,
            rsa_key=False):
        self.serial += 1
        if rsa_key:
            key = rsa.generate_private_key(65537, 2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        cert = _build(
            _name(common_name, organisation), key.public_key(),
            self.cert.subject, self.key, ca=ca, serial=self.serial,
            issuer_cert=self.cert, not_before=not_before,
            not_after=not_after, eku=eku, crl_dp=self.crl_url)
        if ca:
            return _Authority(cert, key, crl_url=crl_url)
        return cert, key

    def crl(self, revoked=()):
        builder = (x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(NOW - dt.timedelta(hours=1))
            .next_update(NOW + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.key.public_key()), critical=False))
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(NOW - dt.timedelta(hours=1))
                .build())
        return builder.sign(self.key, hashes.SHA256())


def _build(subject, public_key, issuer, issuer_key, ca, serial,
        issuer_cert=None, not_before=None, not_after=None, eku=None,
        crl_dp=None):
    not_before = not_before or NOW - dt.timedelta(days=30)
    not_after = not_after or NOW + dt.timedelta(days=365)
    builder = (x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),
            critical=False)
        .add_extension(x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False),
            critical=True))
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(eku), critical=True)
    if crl_dp:
        builder = builder.add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_dp)],
                        None, None, None)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _asn1(cert):
    return asn1_x509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER))


def _pdf():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 760, TEXT.decode('ascii'))
    page.showPage()
    page.save()
    return buffer.getvalue()


def timestamper(authority):
    "A timestamp authority (pyHanko's DummyTimeStamper) of authority"
    tsa_cert, tsa_key = authority.issue(
        'Test TSA', 'Test PKI', eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        rsa_key=True)  # pyHanko's DummyTimeStamper is RSA-only
    return DummyTimeStamper(
        tsa_cert=_asn1(tsa_cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [_asn1(authority.cert)]))


class PKI:
    "The offline PKI shared by the tests"

    def __init__(self):
        self.root = _Authority.root(
            'Test National Root CA', crl_url='http://crl.invalid/root.crl')
        self.government = self.root.issue(
            'Test Government CA', 'Test PKI', ca=True,
            crl_url='http://crl.invalid/gov.crl')
        gov = self.government
        self.signer = gov.issue('Nguyễn Văn An', UNIT)
        self.expired = gov.issue(
            'Trần Thị Bình', UNIT, not_before=NOW - dt.timedelta(days=60),
            not_after=NOW - dt.timedelta(days=1))
        self.revoked = gov.issue('Lê Văn Cường', UNIT)
        self.timestamper = timestamper(gov)
        self.crls = [
            self.root.crl(),
            gov.crl(revoked=[self.revoked[0]]),
            ]
        # trust roots as PEM bytes, the way an administrator uploads them
        self.trust_roots = [
            self.root.cert.public_bytes(serialization.Encoding.PEM)]
        self.other_certs = [gov.cert]

    def pkcs12(self, cert_key):
        cert, key = cert_key
        return pkcs12.serialize_key_and_certificates(
            b'signer', key, cert, [self.government.cert, self.root.cert],
            serialization.BestAvailableEncryption(
                PASSPHRASE.encode('utf-8')))

    def sign(self, cert_key=None, **kwargs):
        kwargs.setdefault('timestamper', self.timestamper)
        return sign_pdf(
            _pdf(), self.pkcs12(cert_key or self.signer), PASSPHRASE,
            reason='Phê duyệt văn bản trả lời', location='Hà Giang',
            **kwargs)

    def verify(self, pdf, **kwargs):
        kwargs.setdefault('trust_roots', self.trust_roots)
        kwargs.setdefault('other_certs', self.other_certs)
        return verify_pdf(pdf, **kwargs)


class SignatureTestCase(unittest.TestCase):
    "Test signing and verifying PDF documents"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # pyHanko logs every refused path with its traceback
        logger = logging.getLogger('pyhanko')
        cls.addClassCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.CRITICAL)
        cls.pki = PKI()
        cls.signed = cls.pki.sign()

    def assertValid(self, result):
        self.assertIsNone(result.reason)
        self.assertTrue(result.signed)
        self.assertTrue(result.valid)
        self.assertTrue(result.intact)
        self.assertTrue(result.trusted)
        self.assertFalse(result.revoked)
        self.assertEqual(result.signer_name, 'Nguyễn Văn An')
        self.assertEqual(result.signer_organisation, UNIT)
        self.assertTrue(result.timestamped)
        self.assertLess(
            abs(result.signed_at - dt.datetime.now(dt.timezone.utc)),
            dt.timedelta(minutes=5))

    def test_signed_valid(self):
        "A signed PDF verifies: intact, trusted, signer and timestamp"
        result = self.pki.verify(self.signed)
        self.assertValid(result)
        reader = PdfFileReader(io.BytesIO(self.signed))
        (embedded,) = reader.embedded_regular_signatures
        self.assertEqual(embedded.field_name, 'Signature1')
        self.assertEqual(
            embedded.sig_object['/SubFilter'], '/ETSI.CAdES.detached')
        self.assertEqual(
            embedded.sig_object['/Reason'], 'Phê duyệt văn bản trả lời')

    def test_signed_valid_with_crls(self):
        "With the CRLs given (hard-fail), a good signer is still valid"
        self.assertValid(self.pki.verify(self.signed, crls=self.pki.crls))

    def test_input_forms(self):
        "Certificates and CRLs as DER bytes, PEM bytes or asn1crypto"
        pki = self.pki
        der = serialization.Encoding.DER
        crls = b''.join(
            c.public_bytes(serialization.Encoding.PEM) for c in pki.crls)
        self.assertValid(verify_pdf(
                self.signed, [pki.root.cert.public_bytes(der)],
                other_certs=[_asn1(pki.government.cert)], crls=[crls]))
        self.assertValid(verify_pdf(
                self.signed, [_asn1(pki.root.cert)],
                other_certs=[pki.government.cert.public_bytes(der)],
                crls=[c.public_bytes(der) for c in pki.crls]))

    def test_signed_crls_incomplete(self):
        "With hard-fail, a chain not covered by the CRLs is not trusted"
        result = self.pki.verify(self.signed, crls=self.pki.crls[:1])
        self.assertFalse(result.valid)
        self.assertTrue(result.intact)
        self.assertFalse(result.trusted)

    def test_altered_byte(self):
        "A byte altered inside the signed range makes it invalid"
        self.assertEqual(self.signed.count(TEXT), 1)
        altered = self.signed.replace(TEXT, TEXT.replace(b'12', b'13'))
        result = self.pki.verify(altered)
        self.assertTrue(result.signed)
        self.assertFalse(result.valid)
        self.assertFalse(result.intact)
        self.assertEqual(result.reason, ALTERED)

    def test_incremental_update(self):
        "An update appended after signing that changes the page is refused"
        writer = IncrementalPdfFileWriter(io.BytesIO(self.signed))
        stream = writer.add_object(generic.StreamObject(
                stream_data=b'BT /F1 24 Tf 72 700 Td (FORGED) Tj ET'))
        writer.add_stream_to_page(0, stream)
        output = io.BytesIO()
        writer.write(output)
        result = self.pki.verify(output.getvalue())
        self.assertTrue(result.signed)
        self.assertFalse(result.valid)
        self.assertFalse(result.intact)
        self.assertEqual(result.reason, MODIFIED_AFTER)

    def test_unknown_root(self):
        "A signature that does not chain to the given roots is not trusted"
        other = _Authority.root('Other Root CA')
        result = self.pki.verify(self.signed, trust_roots=[other.cert])
        self.assertFalse(result.valid)
        self.assertTrue(result.intact)
        self.assertFalse(result.trusted)
        self.assertEqual(result.reason, UNTRUSTED)

    def test_no_root(self):
        "No root given: nothing is trusted (the OS store is not used)"
        result = self.pki.verify(self.signed, trust_roots=[])
        self.assertFalse(result.valid)
        self.assertFalse(result.trusted)

    def test_expired_signer(self):
        "A certificate expired before signing makes the signature invalid"
        result = self.pki.verify(self.pki.sign(self.pki.expired))
        self.assertFalse(result.valid)
        self.assertTrue(result.intact)
        self.assertFalse(result.trusted)
        self.assertEqual(result.reason, UNTRUSTED)
        self.assertEqual(result.signer_name, 'Trần Thị Bình')

    def test_expired_after_signing(self):
        """A certificate that expired after a timestamped signature keeps
        it valid (checked at the timestamp's time); without timestamp it
        does not"""
        expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3)
        short = self.pki.government.issue(
            'Phạm Thị Dung', UNIT, not_after=expiry)
        stamped = self.pki.sign(short)
        bare = self.pki.sign(short, timestamper=None)
        self.assertTrue(self.pki.verify(stamped).valid)
        time.sleep(max(
                (expiry - dt.datetime.now(dt.timezone.utc)).total_seconds(),
                0) + 1)
        result = self.pki.verify(stamped)
        self.assertTrue(result.valid, result.reason)
        self.assertLess(result.signed_at, expiry)
        result = self.pki.verify(bare)
        self.assertFalse(result.valid)
        self.assertEqual(result.reason, UNTRUSTED)

    def test_revoked_signer(self):
        "A revoked signer (CRL given) makes the signature invalid"
        signed = self.pki.sign(self.pki.revoked)
        result = self.pki.verify(signed, crls=self.pki.crls)
        self.assertFalse(result.valid)
        self.assertTrue(result.intact)
        self.assertFalse(result.trusted)
        self.assertTrue(result.revoked)
        self.assertEqual(result.reason, REVOKED)

    def test_long_term(self):
        "B-LT: revocation data embedded offline, the document still valid"
        context = make_validation_context(
            self.pki.trust_roots, other_certs=self.pki.other_certs,
            crls=self.pki.crls)
        signed = self.pki.sign(validation_context=context)
        reader = PdfFileReader(io.BytesIO(signed))
        self.assertIn('/DSS', reader.root)
        self.assertValid(self.pki.verify(signed))
        self.assertValid(self.pki.verify(signed, crls=self.pki.crls))

    def test_without_timestamp(self):
        "Without a timestamp authority the signature is B-B, still valid"
        signed = self.pki.sign(timestamper=None)
        result = self.pki.verify(signed)
        self.assertTrue(result.valid)
        self.assertFalse(result.timestamped)
        self.assertIsNotNone(result.signed_at)

    def test_unsigned(self):
        "An unsigned PDF is reported as not signed"
        result = self.pki.verify(_pdf())
        self.assertFalse(result.signed)
        self.assertFalse(result.valid)
        self.assertEqual(result.reason, NOT_SIGNED)

    def test_not_pdf(self):
        "Something that is not a PDF is reported as such"
        result = self.pki.verify(b'not a PDF at all')
        self.assertFalse(result.signed)
        self.assertFalse(result.valid)
        self.assertEqual(result.reason, NOT_PDF)

    def test_wrong_passphrase(self):
        "A wrong passphrase refuses to sign"
        with self.assertRaises(ValueError):
            sign_pdf(_pdf(), self.pki.pkcs12(self.pki.signer), 'wrong')
