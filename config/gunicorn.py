"""gunicorn settings for the web server (Dockerfile, bin/run): `gunicorn -c config/gunicorn.py`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
wsgi_app = "config.wsgi:application"


def _headers_without_server_banner(self):
    # gunicorn always writes "Server: gunicorn"; telling visitors which server
    # runs here helps only those looking for a known weakness.
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_default_headers = gunicorn.http.wsgi.Response.default_headers
gunicorn.http.wsgi.Response.default_headers = _headers_without_server_banner
