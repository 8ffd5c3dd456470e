"""gunicorn settings for the web server (Dockerfile, bin/run): `gunicorn -c config/gunicorn.py`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
gunicorn's `Server: gunicorn` header stays: it names no version, and hiding it
would mean patching gunicorn's internals (a proxy in front may drop it).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"
wsgi_app = "config.wsgi:application"
