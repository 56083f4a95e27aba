"""The Flask app: built from the configuration, with its connections, health check, webhooks,
the /api/v1 JSON API, the status pages and the Slack bot."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from flask import Flask, g, jsonify, request

from bot import build_bolt_app
from bot import register as register_slack
from gateway.config import Config, ConfigError
from gateway.errors import unavailable
from gateway.logs import announce, configure_logging
from store.db import DatabaseError, init_db, ping
from store.request_connection import close_request_connection, open_request_connection

log = logging.getLogger("smsprefs")
MAX_BODY = 64 * 1024
# How long a request waits for a lock on PostgreSQL before answering 503: Vonage gives up
# on a webhook after 15 s and sends it again, and a sync worker waiting longer serves no
# one else (a STOP behind a large import's hold on the chain of evidence waits for it).
WEB_LOCK_WAIT = 10.0


def create_app(config: Config | Mapping[str, str] | None = None) -> Flask:
    """Build the gateway from `config` (a Config, a mapping of variables, or the environment)."""
    if not isinstance(config, Config):
        try:
            config = Config.from_env(config, dotenv=config is None)
        except ConfigError as exc:  # one clear line, not a traceback in gunicorn's log
            sys.stderr.write(f"smsprefs: {exc}\n")
            raise SystemExit(2) from None
    configure_logging()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["smsprefs"] = config
    init_db(config.database_url.reveal(), lock_timeout=WEB_LOCK_WAIT)
    _register_connections(app)

    from gateway import api, errors, pages, webhook_server
    from gateway.queue import Queue

    app.extensions["smsprefs.queue"] = Queue(config)
    errors.register(app)
    _register_health(app)
    api.register(app, config)
    pages.register(app, config)
    bolt_app = build_bolt_app(config)
    if bolt_app is not None:
        register_slack(app, bolt_app)
    webhook_server.mount(app, config)  # ahead of every route above
    announce(config, "gateway")
    _warn_about_webhooks(config)
    return app


def _register_connections(app: Flask) -> None:
    # Edges own connections (peewee docs): one per request, given back whatever happens,
    # or kept by the thread for its next request (store/request_connection.py).
    @app.before_request
    def _connect():
        try:
            g.smsprefs_connected = open_request_connection()
        except DatabaseError:
            log.exception("the database is unreachable")
            body = {"status": "error", "database": "unreachable"}
            if request.path != "/healthz":
                body = unavailable()
            return jsonify(body), 503

    @app.teardown_request
    def _close(exc):
        # only what this request opened (a caller on the same thread keeps its own)
        if g.pop("smsprefs_connected", False):
            close_request_connection(failed=exc is not None)


def _warn_about_webhooks(config: Config) -> None:
    if not config.vonage_signature_secret and not config.webhook_token:
        if config.allow_unsigned_webhooks:
            log.warning("ALLOW_UNSIGNED_WEBHOOKS=true: anyone can post fake texts to the webhooks; "
                        "for a local demo only")
        else:
            log.warning("webhooks are refused: set VONAGE_SIGNATURE_SECRET or WEBHOOK_TOKEN")


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """The process answers and the database does too."""
        try:
            ping()
        except DatabaseError:
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})
