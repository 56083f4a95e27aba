"""gunicorn's settings for the web process (the Procfile names this file).

The access log shows method, path without its query string (webhook tokens, phones and
texts travel there), status, size and time, phones in the path masked like every other
log line: one SafeFormatter formats gunicorn's lines and ours.
"""

import gc

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
# One thread a worker (gunicorn's sync worker), on SQLite and on PostgreSQL. SQLite has one
# writer at a time: threads of one worker queueing on the writers' lock halved the inbound
# rate (1,495 -> 694 req/s). On PostgreSQL four threads a worker (gthread) once helped, when
# an ordinary text took four round trips; it takes one now, and gthread lets one worker keep
# most of the keep-alive connections while the other idles (570-825 req/s and a p99 of
# 66-120 ms from run to run, one worker at 98 % CPU and the other at 10 %), where two sync
# workers, which take one request at a time, gave 801-812 req/s and a p99 of 24 ms
# (bench/RESULTS.md). Slack's listeners run on Bolt's own threads after ack() (bot/__init__.py).
threads = 1


def post_worker_init(worker):
    """Freeze the app a worker has just built (gc.freeze): its ~85,000 long-lived objects
    (modules, models, phonenumbers' metadata, the classifier's tables) never become
    garbage, and each full collection walked them all, ~7 µs a webhook on average. The
    collector still frees what requests leave in cycles; store/heap.py keeps this freeze
    across an import or a campaign run in the web process. Garbage the start left is
    collected first, so that none of it is frozen for good."""
    gc.collect()
    gc.freeze()
