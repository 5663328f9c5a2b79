"""gunicorn settings for the web container (`gunicorn -c gunicorn.conf.py dealercrm.wsgi`).

Sized for a dealer's server of 2-4 cores, each value overridable from the environment:

- workers = 2 × cores + 1 processes (gunicorn's own rule), each with GUNICORN_THREADS (8)
  threads (gthread). A page spends most of its time in Python (Django's ORM and templates:
  a dossier is ~33 ms of Python to ~4 ms of SQL), and one process runs Python on one core
  at a time; a user's keep-alive connection stays with one process, so with few processes
  one of them queues three requests while another idles. Measured with 50 users on 2 cores
  (docs/benchmarks.md): 5 processes kept the pages inside their targets where 3 did not;
  ~120 MB each.
- threads: four serve pages; the rest hold logins asleep for their turn
  (dealercrm/login_pacing.py: LOGIN_WAITING_PER_PROCESS = threads - 4), so a burst of
  sign-ins never takes a page's thread. PostgreSQL must allow processes × threads
  connections per web container (docker-compose.yml: max_connections 150 for two).
- keep-alive 5 s: behind the TLS proxy the connection is reused between a page and its
  static files, and a client that went away frees its thread within seconds.
- timeout 60 s: the longest request (an xlsx export of the whole archive) finishes well
  inside it; a stuck worker is restarted after it.
- limit_request_line 8,190 (gunicorn's maximum; its default is 4,094): the app answers an
  address over 4,096 bytes itself, with a 414 in its own error format (dealercrm.input_guard),
  so the web server's bare HTML page is left for request lines no client of ours sends.
- post_worker_init: each worker loads its URLs, translations and templates before it
  serves (dealercrm/warmup.py): a worker started or recycled under load does not make its
  first users wait ~200 ms each for what Django would otherwise load on their requests.
- max_requests 2,000 (± jitter): workers are recycled now and then, so a slow leak in a
  library never grows without bound, and never all at once.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # inside the container
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# The app sizes its login waiting room from the threads it really has (settings:
# LOGIN_WAITING_PER_PROCESS = threads - 4); the workers inherit this environment.
os.environ["GUNICORN_THREADS"] = str(threads)
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
limit_request_line = 8190
accesslog = "-"


def post_worker_init(worker: object) -> None:
    from dealercrm.warmup import warm_up

    worker.log.info("%s", warm_up())  # type: ignore[attr-defined]
