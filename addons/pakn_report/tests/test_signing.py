# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The Annex I answer signed at approval with the unit's certificate.

An offline PKI (root, government CA, signers, an RSA timestamp authority)
built in memory with the helpers of test_signature; the timestamp
authority answers RFC 3161 requests over HTTP on loopback (pyHanko's
DummyTimeStamper behind http.server), configured as the TSA of the
province. The PKCS#11 test runs on a SoftHSM2 token initialised in a
temporary directory; it is skipped where SoftHSM2 is not installed.
"""
import contextlib
import datetime as dt
import http.server
import io
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading

from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.pakn_report import signing
from trytond.modules.pakn_report.annex import KIND, render_pdf
from trytond.modules.pakn_report.signature import sign_pdf, verify_pdf
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import (
    Transaction,
    check_access,
    without_check_access,
)

from .test_signature import _Authority, timestamper
from .tools import ProvinceMixin, local

PASSWORD = 'mật khẩu ký số'
SOFTHSM_UTIL = 'softhsm2-util'
SOFTHSM_LIB = '/usr/lib/softhsm/libsofthsm2.so'
TOKEN, SO_PIN, PIN, KEY_LABEL = 'PAKN-TD', '87654321', '135790', 'ky-so'
SECRETS = ['signing_pkcs12', 'signing_password', 'pkcs11_pin']


class PKI:
    """A root CA, a government CA, signers and a timestamp authority;
    no CRL distribution point, so that nothing is fetched (B-LT offline)"""

    def __init__(self):
        self.root = _Authority.root('Test National Root CA')
        gov = self.government = self.root.issue(
            'Test Government CA', 'Test PKI', ca=True)
        self.signer = gov.issue('Nguyễn Văn An', "UBND xã Tiên Dương")
        self.renewed = gov.issue('Nguyễn Văn An', "UBND xã Tiên Dương")
        self.stranger = gov.issue('Lê Thị Cúc', "Không thuộc hệ thống")
        # RSA, as on the officials' USB tokens (SoftHSM2 2.6 has no
        # CKM_ECDSA_SHA256)
        self.token_signer = gov.issue(
            'Nguyễn Văn An', "UBND xã Tiên Dương", rsa_key=True)
        self.timestamper = timestamper(gov)

    def pkcs12(self, cert_key, password=PASSWORD):
        cert, key = cert_key
        return pkcs12.serialize_key_and_certificates(
            b'signer', key, cert, [self.government.cert, self.root.cert],
            serialization.BestAvailableEncryption(password.encode('utf-8')))

    @staticmethod
    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    @staticmethod
    def der(cert):
        return cert.public_bytes(serialization.Encoding.DER)


class TimestampServer:
    "An RFC 3161 timestamp authority over HTTP on loopback"

    def __init__(self, timestamper):
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                data = timestamper.request_tsa_response(request).dump()
                server.requests += 1
                self.send_response(200)
                self.send_header(
                    'Content-Type', 'application/timestamp-reply')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'http://127.0.0.1:%s/tsa' % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def closed_url():
    "The URL of a loopback port nothing listens on"
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return 'http://127.0.0.1:%s/tsa' % port


@contextlib.contextmanager
def rolled_back():
    """Roll back what the block writes, as the request's transaction of a
    refused call is (a savepoint, on SQLite and PostgreSQL)"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT pakn_signing')
    try:
        yield
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT pakn_signing')
        for cache in transaction.cache.values():
            cache.clear()


class SigningTestCase(ProvinceMixin, ModuleTestCase):
    "Test the Annex I answer signed at approval and checked for the portal"
    module = 'pakn_report'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        logger = logging.getLogger('pyhanko')
        cls.addClassCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.CRITICAL)
        cls.pki = PKI()
        cls.tsa = TimestampServer(cls.pki.timestamper)
        cls.addClassCleanup(cls.tsa.close)
        # once per process: SoftHSM2 reads its configuration when the
        # library is loaded, and a test may run again (transaction retry)
        util = shutil.which(SOFTHSM_UTIL)
        if util and os.path.exists(SOFTHSM_LIB):
            cls.init_token(util)
            cls.softhsm = True
        else:
            cls.softhsm = False

    def configure(self, tsa_url=None, roots=None):
        "The province, its TSA and trust roots, the commune's PKCS#12"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        TrustRoot = pool.get('pakn.report.trust_root')
        Unit = pool.get('pakn.unit')
        self.setup_world()
        config = Configuration(1)
        config.province = "Lâm Giang"
        config.signing_tsa_url = tsa_url or self.tsa.url
        config.save()
        if roots is None:
            roots = [self.pki.root.cert]
        TrustRoot.create([
                {'name': "Root %s" % i, 'certificate': self.pki.pem(c)}
                for i, c in enumerate(roots)])
        Unit.write([self.commune], {
                'signing_method': 'pkcs12',
                'signing_pkcs12': self.pki.pkcs12(self.pki.signer),
                'signing_password': PASSWORD,
                })
        return Unit(self.commune.id)

    def approve(self, ticket=None, instant=None):
        "Accept, draft, submit and approve a case of the commune"
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        if ticket is None:
            ticket = self.new_ticket(local(2026, 11, 4, 9, 0), self.commune)
        self.submit(ticket)
        with self.at(instant or local(2026, 11, 5, 9, 30)):
            with Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        return Ticket(ticket.id)

    def submit(self, ticket):
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        with self.at(local(2026, 11, 5, 9, 0)):
            with Transaction().set_user(self.focal.id):
                Ticket.accept([Ticket(ticket.id)])
                Ticket.write([Ticket(ticket.id)], {
                        'result': "Đã sửa chữa đoạn đường hư hỏng."})
                Ticket.submit([Ticket(ticket.id)])
        return Ticket(ticket.id)

    def check(self, data):
        return Pool().get('pakn.ticket').check_answer_pdf(data)

    def assertSignedBy(self, data, unit, ticket, signer='Nguyễn Văn An'):
        result = self.check(data)
        self.assertEqual(result, {
                'valid': True,
                'reason': None,
                'unit': unit.name,
                'signed_at': result['signed_at'],
                'code': ticket.code,
                'signer': signer,
                })
        self.assertIsNone(result['signed_at'].tzinfo)
        self.assertLess(
            abs(result['signed_at'] - dt.datetime.utcnow()),
            dt.timedelta(minutes=5))

    @with_transaction()
    def test_signed_at_approval(self):
        "Approval stores the answer signed (B-LT, timestamped) by the unit"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        unit = self.configure()
        self.assertEqual(
            bytes(unit.signing_certificate), self.pki.der(self.pki.signer[0]))
        self.assertEqual(len(unit.signing_certificates), 1)
        requests = self.tsa.requests
        ticket = self.approve()
        self.assertEqual(ticket.state, 'approved')
        self.assertGreater(self.tsa.requests, requests)
        data = ticket.annex_pdf()

        # pyHanko's validator, trusting the root only
        result = verify_pdf(data, [self.pki.pem(self.pki.root.cert)])
        self.assertIsNone(result.reason)
        self.assertTrue(result.valid)
        self.assertTrue(result.timestamped)
        self.assertEqual(result.signer_name, 'Nguyễn Văn An')
        reader = PdfFileReader(io.BytesIO(data))
        self.assertIn('/DSS', reader.root)  # B-LT
        (embedded,) = reader.embedded_regular_signatures
        self.assertEqual(
            embedded.sig_object['/SubFilter'], '/ETSI.CAdES.detached')
        self.assertEqual(embedded.sig_object['/Location'], unit.name)

        self.assertSignedBy(data, unit, ticket)

        # one byte changed in the signed range
        position = data.index(b'ReportLab')
        altered = data[:position] + b'X' + data[position + 1:]
        self.assertEqual(len(altered), len(data))
        result = self.check(altered)
        self.assertFalse(result['valid'])
        self.assertEqual(
            result['reason'], gettext('pakn_report.msg_check_altered'))
        self.assertIsNone(result['unit'])
        self.assertIsNone(result['code'])

        # renewed certificate: the former answers are still the unit's
        Unit.write([unit], {
                'signing_pkcs12': self.pki.pkcs12(self.pki.renewed)})
        unit = Unit(unit.id)
        self.assertEqual(
            bytes(unit.signing_certificate),
            self.pki.der(self.pki.renewed[0]))
        self.assertEqual(len(unit.signing_certificates), 2)
        self.assertSignedBy(data, unit, ticket)
        second = self.approve(self.new_ticket(
                local(2026, 11, 6, 9, 0), self.commune),
            local(2026, 11, 7, 9, 0))
        self.assertSignedBy(second.annex_pdf(), unit, second)

        # a compromised certificate deleted from the history: its answers
        # are no longer the unit's
        SigningCertificate = pool.get('pakn.report.signing_certificate')
        SigningCertificate.delete(SigningCertificate.search([
                    ('unit', '=', unit.id),
                    ('fingerprint', '=', signing.fingerprint(
                            self.pki.der(self.pki.signer[0]))),
                    ]))
        result = self.check(data)
        self.assertFalse(result['valid'])
        self.assertEqual(
            result['reason'], gettext('pakn_report.msg_check_unknown_unit'))
        self.assertSignedBy(second.annex_pdf(), unit, second)

    @with_transaction()
    def test_check_refused(self):
        "Unknown root, unknown signer, unsigned and not PDF are refused"
        pool = Pool()
        TrustRoot = pool.get('pakn.report.trust_root')
        unit = self.configure()
        ticket = self.approve()
        data = ticket.annex_pdf()
        self.assertSignedBy(data, unit, ticket)

        # signed by a certificate of the trusted PKI that no unit has
        stranger = sign_pdf(
            render_pdf(
                unit.name, ticket.code, "Lâm Giang", dt.date(2026, 11, 5),
                "Văn bản giả mạo"),
            self.pki.pkcs12(self.pki.stranger), PASSWORD,
            timestamper=self.pki.timestamper)
        self.assertTrue(
            verify_pdf(stranger, [self.pki.root.cert]).valid)
        result = self.check(stranger)
        self.assertFalse(result['valid'])
        self.assertEqual(
            result['reason'], gettext('pakn_report.msg_check_unknown_unit'))
        self.assertIsNone(result['unit'])
        self.assertEqual(result['signer'], 'Lê Thị Cúc')

        for data_, message in [
                (render_pdf(
                        unit.name, ticket.code, "Lâm Giang",
                        dt.date(2026, 11, 5), "Không ký"),
                    'msg_check_not_signed'),
                (b'%PDF-1.7 not really', 'msg_check_not_pdf'),
                ]:
            result = self.check(data_)
            self.assertFalse(result['valid'])
            self.assertEqual(
                result['reason'], gettext('pakn_report.%s' % message))

        # another root only: the unit's own answer is not trusted
        other = _Authority.root('Other Root CA')
        TrustRoot.delete(TrustRoot.search([]))
        TrustRoot.create([{
                    'name': "Other", 'certificate': self.pki.der(other.cert)}])
        result = self.check(data)
        self.assertFalse(result['valid'])
        self.assertEqual(
            result['reason'], gettext('pakn_report.msg_check_untrusted'))
        self.assertIsNone(result['unit'])
        # no root at all: the operating system's store is not used
        TrustRoot.delete(TrustRoot.search([]))
        self.assertFalse(self.check(data)['valid'])

    @with_transaction()
    def test_unsigned_without_method(self):
        "A unit without signing method stores the answer unsigned"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        unit = self.configure()
        Unit.write([unit], {'signing_method': None})
        self.assertIsNone(Unit(unit.id).signing_certificate)
        ticket = self.approve()
        self.assertEqual(
            self.check(ticket.annex_pdf())['reason'],
            gettext('pakn_report.msg_check_not_signed'))

    @with_transaction()
    def test_timestamp_authority_down(self):
        "TSA unreachable: the approval is refused and nothing is saved"
        pool = Pool()
        Configuration = pool.get('pakn.configuration')
        Ticket = pool.get('pakn.ticket')
        Attachment = pool.get('ir.attachment')
        self.configure(tsa_url=closed_url())
        ticket = self.submit(
            self.new_ticket(local(2026, 11, 4, 9, 0), self.commune))
        state = ticket.state
        self.assertNotEqual(state, 'approved')
        with rolled_back():
            with self.assertRaises(UserError) as context, \
                    self.at(local(2026, 11, 5, 9, 30)), \
                    Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        self.assertIn('127.0.0.1', context.exception.message)
        self.assertEqual(Ticket(ticket.id).state, state)
        self.assertIsNone(Ticket(ticket.id).approved_at)
        self.assertEqual(Attachment.search([
                    ('resource', '=', str(ticket)),
                    ('pakn_kind', '=', KIND),
                    ]), [])

        # no timestamp authority at all: refused too (B-T at least)
        config = Configuration(1)
        config.signing_tsa_url = None
        config.save()
        with rolled_back():
            with self.assertRaises(UserError) as context, \
                    self.at(local(2026, 11, 5, 9, 30)), \
                    Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        self.assertEqual(
            context.exception.message,
            gettext('pakn_report.msg_signing_no_timestamp',
                unit=self.commune.name))
        self.assertEqual(Ticket(ticket.id).state, state)

    @with_transaction()
    def test_untrusted_signer_refused(self):
        """A certificate that does not validate against the trust roots
        signs nothing: the approval is refused (no silent B-T)"""
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        self.configure(roots=[_Authority.root('Other Root CA').cert])
        ticket = self.submit(
            self.new_ticket(local(2026, 11, 4, 9, 0), self.commune))
        state = ticket.state
        with rolled_back():
            with self.assertRaises(UserError), \
                    self.at(local(2026, 11, 5, 9, 30)), \
                    Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(ticket.id)])
        self.assertEqual(Ticket(ticket.id).state, state)
        self.assertIsNone(Ticket(ticket.id).annex_pdf())

    @with_transaction()
    def test_certificate_of_one_unit(self):
        """A certificate signs for one unit: another unit cannot take it,
        a copy of a unit takes none of its signing configuration"""
        pool = Pool()
        Unit = pool.get('pakn.unit')
        unit = self.configure()
        with rolled_back():
            with self.assertRaises(ValidationError) as context:
                Unit.write([self.health], {
                        'signing_method': 'pkcs12',
                        'signing_pkcs12': self.pki.pkcs12(self.pki.signer),
                        'signing_password': PASSWORD,
                        })
            self.assertIn(unit.name, context.exception.message)
        copy, = Unit.copy([unit], default={'code': 'TD2'})
        self.assertIsNone(copy.signing_method)
        self.assertIsNone(copy.signing_certificate)
        self.assertEqual(copy.signing_certificates, ())
        with without_check_access():
            self.assertIsNone(Unit(copy.id).signing_pkcs12)
            self.assertIsNone(Unit(copy.id).signing_password)
        # the answers of the unit are still its own
        ticket = self.approve()
        self.assertSignedBy(ticket.annex_pdf(), unit, ticket)

    @with_transaction()
    def test_pkcs12_refused(self):
        "A wrong password or a file that is not PKCS#12 is not saved"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        self.setup_world()
        unit = self.construction
        for values in [
                {'signing_pkcs12': self.pki.pkcs12(self.pki.signer),
                    'signing_password': 'sai mật khẩu'},
                {'signing_pkcs12': self.pki.pem(self.pki.signer[0]),
                    'signing_password': PASSWORD},
                {'signing_pkcs12': None},
                ]:
            with self.subTest(values=sorted(values)), rolled_back():
                with self.assertRaises(ValidationError) as context:
                    Unit.write([unit], {'signing_method': 'pkcs12', **values})
                if values['signing_pkcs12']:
                    self.assertEqual(
                        context.exception.message,
                        gettext('pakn_report.msg_pkcs12_invalid',
                            unit=unit.name))
            unit = Unit(unit.id)
            self.assertIsNone(unit.signing_method)
            self.assertIsNone(unit.signing_certificate)
            self.assertEqual(unit.signing_certificates, ())

    @with_transaction()
    def test_trust_root_refused(self):
        "A trust root not one X.509 certificate, a TSA not HTTP: refused"
        pool = Pool()
        TrustRoot = pool.get('pakn.report.trust_root')
        Configuration = pool.get('pakn.configuration')
        config = Configuration(1)
        for url in ['file:///etc/passwd', 'tsa.example.vn', 'http://']:
            config.signing_tsa_url = url
            with self.assertRaises(ValidationError) as context:
                config.save()
            self.assertEqual(
                context.exception.message,
                gettext('pakn_report.msg_tsa_url_invalid', url=url))
        config.signing_tsa_url = 'https://tsa.example.vn/tsr'
        config.save()
        for data in [
                b'not a certificate',
                self.pki.pkcs12(self.pki.signer),
                self.pki.pem(self.pki.root.cert)
                + self.pki.pem(self.pki.government.cert),
                ]:
            with self.assertRaises(ValidationError) as context:
                TrustRoot.create([{'name': "Gốc", 'certificate': data}])
            self.assertEqual(
                context.exception.message,
                gettext('pakn_report.msg_trust_root_invalid', name="Gốc"))
        root, = TrustRoot.create([{
                    'name': "Gốc", 'certificate': self.pki.pem(
                        self.pki.root.cert)}])
        # stored as DER
        self.assertEqual(
            bytes(root.certificate), self.pki.der(self.pki.root.cert))
        self.assertIn('Test National Root CA', root.subject)

    @with_transaction()
    def test_secrets_admin_only(self):
        "Staff neither read, search nor write the secrets; admins do"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        TrustRoot = pool.get('pakn.report.trust_root')
        SigningCertificate = pool.get('pakn.report.signing_certificate')
        unit = self.configure()

        def group(name):
            return ModelData.get_id('pakn_helpdesk', name)
        office, admin = User.create([{
                    'login': 'office', 'name': "Văn phòng",
                    'groups': [('add', [
                                group('group_office'),
                                group('group_leader')])],
                    }, {
                    'login': 'pakn_admin', 'name': "Quản trị",
                    'groups': [('add', [group('group_admin')])],
                    }])
        with Transaction().set_user(office.id), check_access():
            name, = Unit.read([unit.id], ['name', 'signing_method'])
            self.assertEqual(name['signing_method'], 'pkcs12')
            view = Unit.fields_view_get(view_type='form')
            self.assertIn('signing_method', view['fields'])
            for field in SECRETS:
                with self.subTest(field=field):
                    self.assertNotIn(field, view['fields'])
                    with self.assertRaises(AccessError):
                        Unit.read([unit.id], [field])
                    with self.assertRaises(AccessError):
                        Unit.search([(field, '!=', None)])
                    with self.assertRaises(AccessError):
                        Unit.write([unit], {field: None})
            with self.assertRaises(AccessError):
                TrustRoot.search([])
            # the history of certificates is written by the server only
            with self.assertRaises(AccessError):
                SigningCertificate.search([])
            with self.assertRaises(AccessError):
                SigningCertificate.create([{
                            'unit': self.health.id,
                            'certificate': self.pki.der(self.pki.signer[0])}])
            with self.assertRaises(AccessError):
                TrustRoot.create([{
                            'name': "Gốc giả",
                            'certificate': self.pki.pem(
                                _Authority.root('Fake').cert)}])
            # the server reads them to sign for the approving staff
            data = signing.sign(Unit(unit.id), render_pdf(
                    unit.name, 'PAKN-1', "Lâm Giang", dt.date(2026, 11, 5),
                    "Trả lời"))
        self.assertTrue(verify_pdf(data, [self.pki.root.cert]).valid)
        with Transaction().set_user(admin.id), check_access():
            values, = Unit.read([unit.id], SECRETS)
            certificate, = SigningCertificate.search(
                [('unit', '=', unit.id)])
            with self.assertRaises(AccessError):
                SigningCertificate.write(
                    [certificate], {'unit': self.health.id})
            with self.assertRaises(AccessError):
                SigningCertificate.create([{
                            'unit': self.health.id,
                            'certificate': self.pki.der(self.pki.signer[0])}])
            self.assertEqual(values['signing_password'], PASSWORD)
            # the certificate is read from the file, never set by a client
            with self.assertRaises(AccessError):
                Unit.check_client_write(
                    [unit], {'signing_certificate': b'forged'})
            Unit.write([unit], {
                    'signing_pkcs12': self.pki.pkcs12(
                        self.pki.renewed, password='mới'),
                    'signing_password': 'mới',
                    })
        self.assertEqual(
            bytes(Unit(unit.id).signing_certificate),
            self.pki.der(self.pki.renewed[0]))

    @with_transaction()
    def test_pkcs11_softhsm(self):
        "A unit signing with a PKCS#11 token (SoftHSM2)"
        pool = Pool()
        Unit = pool.get('pakn.unit')
        if not self.softhsm:
            self.skipTest(
                "SoftHSM2 is not installed (%s and %s from the Debian "
                "package softhsm2): the PKCS#11 signature is not tested"
                % (SOFTHSM_UTIL, SOFTHSM_LIB))
        unit = self.configure()
        with rolled_back(), self.assertRaises(ValidationError):
            Unit.write([unit], {
                    'signing_method': 'pkcs11',
                    'pkcs11_library': SOFTHSM_LIB,
                    'pkcs11_token': TOKEN,
                    'pkcs11_key_label': KEY_LABEL,
                    'pkcs11_pin': '000000',
                    })
        Unit.write([unit], {
                'signing_method': 'pkcs11',
                'pkcs11_library': SOFTHSM_LIB,
                'pkcs11_token': TOKEN,
                'pkcs11_key_label': KEY_LABEL,
                'pkcs11_pin': PIN,
                'signing_pkcs12': None,
                'signing_password': None,
                })
        unit = Unit(unit.id)
        self.assertEqual(
            bytes(unit.signing_certificate),
            self.pki.der(self.pki.token_signer[0]))
        ticket = self.approve()
        data = ticket.annex_pdf()
        result = verify_pdf(data, [self.pki.root.cert])
        self.assertIsNone(result.reason)
        self.assertTrue(result.timestamped)
        self.assertEqual(
            result.signer_certificate, self.pki.der(self.pki.token_signer[0]))
        self.assertSignedBy(data, unit, ticket)

        # the token is unplugged (no token of that label any more): the
        # approval is refused and nothing is saved
        pool = Pool()
        Ticket = pool.get('pakn.ticket')
        other = self.submit(self.new_ticket(
                local(2026, 11, 6, 9, 0), self.commune))
        with rolled_back():
            transaction = Transaction()
            table = Unit.__table__()
            transaction.connection.cursor().execute(*table.update(
                    [table.pkcs11_token], ['RUT-RA'],
                    where=table.id == unit.id))
            for cache in transaction.cache.values():
                cache.clear()
            with self.assertRaises(UserError) as context, \
                    self.at(local(2026, 11, 7, 9, 0)), \
                    Transaction().set_user(self.head.id):
                Ticket.approve([Ticket(other.id)])
            self.assertIn(unit.name, context.exception.message)
        self.assertEqual(Ticket(other.id).state, other.state)

    @classmethod
    def init_token(cls, util):
        """Initialise a SoftHSM2 token in a temporary directory with the
        token signer's key and its certificates"""
        import pkcs11
        from pkcs11 import Attribute, CertificateType, ObjectClass
        directory = tempfile.mkdtemp(prefix='pakn-softhsm-')
        cls.addClassCleanup(shutil.rmtree, directory, ignore_errors=True)
        tokens = os.path.join(directory, 'tokens')
        os.mkdir(tokens)
        conf = os.path.join(directory, 'softhsm2.conf')
        with open(conf, 'w') as file:
            file.write(
                'directories.tokendir = %s\n'
                'objectstore.backend = file\n'
                'log.level = ERROR\n' % tokens)
        previous = os.environ.get('SOFTHSM2_CONF')
        os.environ['SOFTHSM2_CONF'] = conf
        cls.addClassCleanup(
            lambda: os.environ.pop('SOFTHSM2_CONF', None) if previous is None
            else os.environ.__setitem__('SOFTHSM2_CONF', previous))
        subprocess.run([
                util, '--init-token', '--free', '--label', TOKEN,
                '--so-pin', SO_PIN, '--pin', PIN],
            check=True, capture_output=True)
        cert, key = cls.pki.token_signer
        key_file = os.path.join(directory, 'key.pem')
        with open(os.open(key_file, os.O_CREAT | os.O_WRONLY, 0o600),
                'wb') as file:
            file.write(key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()))
        try:
            subprocess.run([
                    util, '--import', key_file, '--token', TOKEN,
                    '--label', KEY_LABEL, '--id', '01', '--pin', PIN],
                check=True, capture_output=True)
        finally:
            os.remove(key_file)
        token = pkcs11.lib(SOFTHSM_LIB).get_token(token_label=TOKEN)
        with token.open(rw=True, user_pin=PIN) as session:
            for label, id_, certificate in [
                    (KEY_LABEL, b'\x01', cert),
                    ('ca-chinh-phu', b'\x02', cls.pki.government.cert),
                    ]:
                session.create_object({
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.LABEL: label,
                        Attribute.ID: id_,
                        Attribute.SUBJECT: certificate.subject.public_bytes(),
                        Attribute.VALUE: cls.pki.der(certificate),
                        })


del ModuleTestCase
