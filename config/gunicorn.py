"""gunicorn settings of the web nodes (Dockerfile, docker-compose.yml, the CI smoke job), from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers: requests are short; PDFs and workbooks of any size are built by Celery workers.
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in a library never grows into an outage — but rarely:
# the master replaces a worker about a second after it leaves, and meanwhile the node runs one worker
# short (at 1,000 requests a second, 2,000 meant a p99 of ~0.6 s on 2 workers). The app is loaded
# once in the master and forked (config/wsgi.py warms it up without connecting to anything), so the
# new worker's first request costs milliseconds, not a second of imports.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
# The address of the client is taken by the portal itself (apps.core.net.client_ip) from the
# X-Forwarded-For hops it trusts; gunicorn only needs to trust the proxy for the scheme header.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
