# This file is part of PAKN 1022. The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Serve the portal with werkzeug's threaded server (the demo, the tests):

    python -m trytond.modules.pakn_portal.site -c trytond.conf -d pakn_demo

In production, run create_app() under a WSGI server such as gunicorn
behind a reverse proxy (PAKN_PORTAL_PROXIES=1)."""
import argparse
import logging
import os

from werkzeug.serving import WSGIRequestHandler


class RequestHandler(WSGIRequestHandler):
    "werkzeug's request handler, without a Server header naming it"

    @property
    def server_version(self):
        # also SERVER_SOFTWARE in the WSGI environment
        return 'PAKN-1022'

    def version_string(self):
        return self.server_version

    def send_response(self, code, message=None):
        # BaseHTTPRequestHandler.send_response without the Server header
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header('Date', self.date_time_string())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-c', '--config', dest='config',
        default=os.environ.get('TRYTOND_CONFIG'),
        help="trytond configuration file")
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    if args.config:
        from trytond.config import config
        config.update_etc(args.config)
    from werkzeug.serving import run_simple

    from . import create_app
    app = create_app({'TRYTON_DATABASE': args.database})
    run_simple(args.host, args.port, app, threaded=True,
        use_reloader=False, use_debugger=False,
        request_handler=RequestHandler)


if __name__ == '__main__':
    main()
