"""gunicorn's settings for the web process (the Procfile names this file).

The access log shows method, path without its query string (webhook tokens, phones and
texts travel there), status, size and time, phones in the path masked like every other
log line: one SafeFormatter formats gunicorn's lines and ours.
"""

import os

from gateway.logs import logging_config

accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logconfig_dict = logging_config()
# No runtime control socket: nothing here uses gunicornc, and every gunicorn on a machine
# would otherwise share ~/.gunicorn/gunicorn.ctl (two apps, or parallel test runs, collide).
control_socket_disable = True
# Each worker builds its app, and so its own pool of database connections, after the fork:
# a connection must never be shared by two processes (store/db.py also starts a forked
# child's pool afresh, should anything open one before the fork).
preload_app = False
# On PostgreSQL, four threads a worker (gthread): a request waiting for its commit to be
# flushed leaves the worker's CPU to another, and PostgreSQL flushes the commits that wait
# together at once (2 sync workers had at most two requests in flight). Each thread takes
# its own pooled connection (store/db.py). Not on SQLite: one writer at a time, and threads
# of one worker queueing on the writers' lock halved the inbound rate (1,495 -> 694 req/s).
threads = 4 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 1
