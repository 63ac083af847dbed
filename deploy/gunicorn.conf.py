"""gunicorn settings for BHARATPOL, read by deploy/run-production.sh, `bharatpol serve --workers N` and the
systemd unit. Every value comes from a BHARATPOL_* variable; command-line flags still override them.

preload_app is off on purpose: with it, the master would import the app and build the platform (SQLAlchemy
engine, connection pool, spec cache) before forking, and workers must not share a pool's connections; off,
each worker builds its own after the fork and `kill -HUP <master>` reloads new code. The price is memory: the
workers do not share the app's pages copy-on-write (about 70 MiB proportional set size per worker after
boot, see bench/http_load.py).
"""

import multiprocessing
import os

wsgi_app = "web.wsgi:app"
bind = os.environ.get("BHARATPOL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BHARATPOL_WEB_WORKERS") or 2 * multiprocessing.cpu_count())
worker_class = "sync"  # a request is CPU and database work, not long waits: one request per process
timeout = int(os.environ.get("BHARATPOL_WEB_TIMEOUT", "60"))  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on SIGTERM, requests in flight get this long to finish
max_requests = 5000  # recycle workers now and then so that memory stays flat
max_requests_jitter = 500  # ... not all at the same moment
preload_app = False
accesslog = os.environ.get("BHARATPOL_ACCESS_LOG", "-")  # "-" = stdout (journald under systemd)
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("BHARATPOL_FORWARDED_ALLOW_IPS", "127.0.0.1")  # the reverse proxy
