"""Logs a person can read: one format, INFO and up, phones masked by the code that logs."""

from __future__ import annotations

import logging

from gateway.config import Config
from store.db import is_postgres

log = logging.getLogger("smsprefs")


def configure_logging() -> None:
    """Send INFO lines to stderr unless something (gunicorn, pytest) already set logging up."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("smsprefs").setLevel(logging.INFO)
    # werkzeug's access lines carry query strings: phones, texts and webhook tokens
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def announce(config: Config, role: str) -> None:
    """Say at start which database, transport and Slack mode this process uses."""
    database = "PostgreSQL" if is_postgres() else f"SQLite ({config.database_url.reveal()})"
    slack = "on" if config.slack_enabled else "off (alerts are printed)"
    log.warning("smsprefs %s: database %s, SMS transport %s, Slack %s", role, database,
                config.sms_transport, slack)
