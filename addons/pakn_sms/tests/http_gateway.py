# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A brand-name SMS provider's HTTP API, on loopback, for the tests.

POST /send takes a JSON body {"to", "from", "text", "client_ref"} and
answers {"code": "100", "id": "<provider id>"}; GET /status?ref=... answers
the same for a message it has, 404 otherwise. What the next requests get
is scripted with `plan`: 'ok', 'error' (HTTP 500, not accepted), 'refuse'
(HTTP 200 with code 99, not accepted), 'drop' (not accepted, the
connection is closed without an answer), 'timeout' (accepted, answered too
late), 'malformed' (accepted, unreadable answer), 'cut' (accepted, the
connection is closed without an answer). POST asks for the token as a
bearer, unless it is None."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class HttpGateway:

    def __init__(self, token='secret-token', delay=2.0):
        self.token = token
        self.delay = delay
        self.plan = []
        self.accepted = []
        self.requests = []
        self.on_accept = None
        self.lock = threading.Lock()
        self.port = 0
        self._server = None

    @property
    def url(self):
        return 'http://127.0.0.1:%s' % self.port

    def start(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = body if isinstance(body, bytes) else json.dumps(
                    body).encode()
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # the client gave up waiting (timeouts)
                    self.close_connection = True

            def _cut(self):
                self.close_connection = True
                self.connection.shutdown(2)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path != '/status':
                    return self._answer(404, {'error': 'not found'})
                ref, = parse_qs(url.query).get('ref', [''])
                with gateway.lock:
                    found = [m for m in gateway.accepted
                        if m['client_ref'] == ref]
                if not found:
                    return self._answer(404, {'code': '404'})
                self._answer(200, {'code': '100', 'id': found[0]['id']})

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length)
                if gateway.token and self.headers.get('Authorization') != (
                        'Bearer %s' % gateway.token):
                    return self._answer(401, {'error': 'unauthorized'})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {'error': 'bad json'})
                with gateway.lock:
                    gateway.requests.append(body)
                    action = gateway.plan.pop(0) if gateway.plan else 'ok'
                if action == 'error':
                    return self._answer(500, b'Internal Server Error')
                if action == 'refuse':
                    return self._answer(200, {'code': '99'})
                if action == 'drop':
                    return self._cut()
                with gateway.lock:
                    message = dict(
                        body, id='M%04d' % (len(gateway.accepted) + 1),
                        at=time.monotonic())
                    gateway.accepted.append(message)
                if gateway.on_accept:
                    gateway.on_accept(message)
                if action == 'timeout':
                    time.sleep(gateway.delay)
                elif action == 'malformed':
                    return self._answer(200, b'<html>OK')
                elif action == 'cut':
                    return self._cut()
                self._answer(200, {'code': '100', 'id': message['id']})

        self._server = ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        "Stop listening: the gateway is down (connections are refused)"
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def gateway_values(self, **values):
        "The values of a pakn.sms.gateway configured for this provider"
        return {
            'name': "Loopback provider",
            'kind': 'http',
            'sender': '1022 TEST',
            'http_url': self.url + '/send',
            'http_body_format': 'json',
            'http_body': json.dumps({
                    'to': '${msisdn}',
                    'from': '${sender}',
                    'text': '${text}',
                    'client_ref': '${reference}',
                    }),
            'http_auth': 'header',
            'http_header': 'Authorization',
            'http_header_value': 'Bearer %s' % self.token,
            'http_success_status': '200',
            'http_success_field': 'code',
            'http_success_value': '100',
            'http_id_field': 'id',
            'http_status_url': self.url + '/status?ref=${reference}',
            'timeout': 1.0,
            'retry_delay': 60,
            'max_attempts': 8,
            **values,
            }
