"""Gunicorn in production: ``gunicorn -c shop/gunicorn.conf.py shop.wsgi:application``.

The command line and GUNICORN_CMD_ARGS still override anything here.

Logs are JSON lines on stdout, like the shop's own (shop/logging.py). An access
line holds the method, the path, the status, the size and the time taken, and
nothing else: not the query string (search terms such as "isotretinoin
pregnant"), not the referrer (which carries the previous page's query), not the
user agent, not the address (behind the load balancer it is the balancer's).
Email addresses and prescription references in the path are masked
(shop.logging.AccessLogFormatter).
Gunicorn's own messages go through the same filter as the shop's.
"""

import os
import sys
from pathlib import Path

# Gunicorn reads this file before it puts the working directory on sys.path,
# and shop.logging must be importable from it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shop.logging import gunicorn_logging

bind = [os.environ.get("BIND", "0.0.0.0:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Recycle workers now and then, at different moments, so a slow leak in a
# dependency never takes every worker down together.
max_requests = 2000
max_requests_jitter = 200

# %(U)s is the path without the query string; %(r)s (the request line), %(q)s,
# %(f)s (referrer), %(a)s (user agent) and %(h)s (address) are never logged.
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)s"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = gunicorn_logging(loglevel.upper())

# Nothing uses gunicornc, and every server on a machine would otherwise share
# one socket path in the home directory.
control_socket_disable = True
