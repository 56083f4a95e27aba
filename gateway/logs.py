"""Logs a person can read: one format, INFO and up, phones masked, one line per record.

The code that logs masks the phones it knows of; SafeFormatter is the net under it for
everything else (a library's message, a path in Flask's "Exception on …" line, gunicorn's
access line): it masks anything shaped like a phone number and escapes control characters,
so no client-controlled field can forge a log line (SPEC section 5).
"""

from __future__ import annotations

import logging
import re

from gateway.config import Config
from store.db import is_postgres

log = logging.getLogger("smsprefs")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# 8 to 15 digits in a row (E.164, Vonage's msisdn), or a North American number written out
PHONE_LIKE = re.compile(r"(?<![\w…])\+?\d{8,15}(?!\w)|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b"
                        r"|\b\d{3}(?:%20|%2D|-|\.)\d{3}(?:%20|%2D|-|\.)\d{4}\b")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# The standard library's own optimisations (logging HOWTO, "Optimization"): FORMAT names no
# source file, function, thread or process, so a record need not look them up; finding the
# caller walks the stack, for two lines a webhook. A traceback is unaffected.
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False


def mask_phones(text: str) -> str:
    """Return `text` with every phone-shaped run of digits cut to its last four."""
    return PHONE_LIKE.sub(lambda m: "…" + re.sub(r"\D", "", m.group())[-4:], text)


def one_line(text: str) -> str:
    """Return `text` with control characters escaped (a newline becomes \\n)."""
    return CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class SafeFormatter(logging.Formatter):
    """The one log format: phones masked, each record on one line (its traceback aside)."""

    def __init__(self, fmt: str | None = FORMAT, datefmt: str | None = None, style="%"):
        super().__init__(fmt, datefmt, style)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(mask_phones(record.message))
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        # The message is masked above and the rest of FORMAT is ours (time, level, logger);
        # a traceback or stack, cached on the record by whichever handler formats it first,
        # is not: only then is the whole line masked again (each mask costs 5-10 µs a line,
        # and two lines are written for every webhook).
        return mask_phones(line) if record.exc_text or record.stack_info else line


def logging_config() -> dict:
    """Return the dictConfig for gunicorn's and our loggers (gunicorn.conf.py uses it)."""
    safe = {"()": SafeFormatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"safe": safe},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "safe",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {name: {"level": "INFO", "handlers": [], "propagate": True}
                    for name in ("gunicorn.error", "gunicorn.access")},
    }


def configure_logging() -> None:
    """Send INFO lines to stderr unless something (gunicorn, pytest) already set logging up."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(SafeFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    logging.getLogger("smsprefs").setLevel(logging.INFO)
    # werkzeug's access lines carry query strings: phones, texts and webhook tokens
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # huey says each task it runs, and its own start-up, at INFO: about ten lines at start,
    # three a minute and three a delivery. Our lines say what happened (README "Logs").
    logging.getLogger("huey").setLevel(logging.WARNING)


def announce(config: Config, role: str) -> None:
    """Say at start which database, transport and Slack mode this process uses."""
    database = "PostgreSQL" if is_postgres() else f"SQLite ({config.database_url.reveal()})"
    slack = "on" if config.slack_enabled else "off (alerts are printed)"
    log.warning("smsprefs %s: database %s, SMS transport %s, Slack %s", role, database,
                config.sms_transport, slack)
