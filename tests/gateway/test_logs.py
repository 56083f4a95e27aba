"""Log lines: phones masked and one line per record, whoever logs (us, Flask, gunicorn)."""

from __future__ import annotations

import io
import logging
import sys
import time
import urllib.request

import pytest

from gateway.app import create_app
from gateway.logs import SafeFormatter, mask_phones, one_line
from tests.fakes.gunicorn import run_gunicorn
from tests.gateway.conftest import API_TOKEN, WEBHOOK_TOKEN, make_config


@pytest.mark.parametrize(("text", "masked"), [
    ("GET /api/v1/clients/12025559001", "GET /api/v1/clients/…9001"),
    ("to +12025559001 now", "to …9001 now"),
    ("call (202) 555-9001", "call …9001"),
    ("path /clients/202%20555%209001", "path /clients/…9001"),
    ("message 0A0000000123ABCD1 took 120ms on 2026-11-30 10:57:13", None),
    ("pid 4194304 port 5000", None),
])
def test_phone_shaped_numbers_are_masked_and_nothing_else(text, masked):
    assert mask_phones(text) == (masked or text)


def test_control_characters_are_escaped_onto_one_line():
    assert one_line("crm\nINFO forged line\r\x00\u2028") == r"crm\nINFO forged line\r\x00\u2028"


def test_a_traceback_another_handler_formatted_first_is_masked_too():
    try:
        raise ValueError("no reply from +12025559001")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "texting %s", ("12025559003",),
                                   exc_info=sys.exc_info())
    logging.Formatter().format(record)  # caches the traceback on the record, unmasked
    assert "12025559001" in record.exc_text
    line = SafeFormatter().format(record)
    assert "texting …9003" in line and "no reply from …9001" in line
    assert "12025559001" not in line and "12025559003" not in line


def capture() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter())
    return handler, stream


def test_flasks_exception_line_and_traceback_mask_the_phone(database, tmp_path):
    app = create_app(make_config(database, tmp_path))

    @app.get("/boom/<phone>")
    def boom(phone):
        raise RuntimeError(f"cannot text {phone}\nFORGED")

    handler, stream = capture()
    logging.getLogger().addHandler(handler)
    try:
        assert app.test_client().get("/boom/12025559001").status_code == 500
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    assert "Exception on /boom/…9001 [GET]" in output
    assert "cannot text …9001" in output
    assert "12025559001" not in output


def test_the_access_log_shows_paths_without_queries_or_phones(database, tmp_path):
    env = make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="",
                      WEBHOOK_TOKEN=WEBHOOK_TOKEN)
    with run_gunicorn(env, workers=1, log_dir=tmp_path) as server:
        request = urllib.request.Request(f"{server.url}/api/v1/clients/12025559001",
                                         headers={"Authorization": f"Bearer {API_TOKEN}"})
        with pytest.raises(urllib.error.HTTPError):  # 404: no such client
            urllib.request.urlopen(request, timeout=10)
        webhook = (f"{server.url}/webhooks/vonage/inbound?token={WEBHOOK_TOKEN}"
                   "&msisdn=12025559002&messageId=log1&text=STOP%0AINFO%20forged")
        assert urllib.request.urlopen(webhook, timeout=10).status == 204
        deadline = time.monotonic() + 5
        while '"GET /webhooks/vonage/inbound" 204' not in server.log():
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        log = server.log()
    assert '"GET /api/v1/clients/…9001" 404' in log
    assert "inbound from …9002: opt_out all" in log
    for secret in ("12025559001", "12025559002", WEBHOOK_TOKEN, "forged"):
        assert secret not in log


def test_a_text_asking_nothing_is_logged_at_debug_and_one_asking_something_at_info(
        database, tmp_path, caplog):
    """One line per text that asks for something or causes something; a text that asks
    nothing (most of a reply storm) is in the database and the access line, and at DEBUG."""
    env = make_config(database, tmp_path, VONAGE_SIGNATURE_SECRET="", WEBHOOK_TOKEN=WEBHOOK_TOKEN)
    client = create_app(env).test_client()
    caplog.set_level(logging.DEBUG, logger="smsprefs.webhooks")
    for n, text in enumerate(["Thanks, see you Friday", "HELP", "STOP"]):
        answer = client.post(f"/webhooks/vonage/inbound?token={WEBHOOK_TOKEN}",
                             data={"msisdn": "12025559003", "messageId": f"lv{n}", "text": text})
        assert answer.status_code == 204
    lines = [(r.levelno, r.getMessage()) for r in caplog.records
             if r.name == "smsprefs.webhooks"]
    assert lines == [
        (logging.DEBUG, "inbound from …9003: none  (rule no_match) -> no action"),
        (logging.INFO, "inbound from …9003: help  (rule help) -> help queued"),
        (logging.INFO, "inbound from …9003: opt_out all (rule keyword) -> consent changed, "
                       "confirmation queued"),
    ]
