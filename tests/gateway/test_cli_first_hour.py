"""What a newcomer meets first on the command line: ranges checked in one line, --version,
a card looked up by name as in Slack, and `export … | head` that is not an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.pages import version
from store.records import upsert_client
from tests.factories import PHONE, client_texts
from tests.gateway.test_cli import smsprefs  # noqa: F401  (the fixture)

SMSPREFS = str(Path(sys.executable).with_name("smsprefs"))


@pytest.mark.parametrize("args", [
    ("serve", "--port", "99999"), ("serve", "--port", "-1"), ("serve", "--port", "0"),
    ("worker", "--workers", "0"), ("import", "--batch-size", "0", "x.csv"),
    ("misread", PHONE, "0", "--note", "n", "--actor", "a"),
])
def test_a_number_out_of_range_is_one_line_and_exit_2(smsprefs, tmp_path, args):  # noqa: F811
    (tmp_path / "x.csv").write_text("phone\n")
    result = smsprefs(*args)
    assert result.exit_code == 2
    assert "is not in the range" in result.output
    assert "Traceback" not in result.output


def test_version_says_the_installed_version(smsprefs):  # noqa: F811
    result = smsprefs("--version")
    assert result.exit_code == 0 and result.output.strip() == f"smsprefs {version()}"


def test_prefs_finds_a_client_by_name_as_slash_smsprefs_does(smsprefs):  # noqa: F811
    upsert_client(PHONE, name="Client 8")
    client_texts(PHONE, "opt_out")
    result = smsprefs("prefs", "client 8")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{PHONE}  Client 8")
    assert "Opted out" in result.output


def test_prefs_lists_several_matches_and_says_when_none_matches(smsprefs):  # noqa: F811
    upsert_client(PHONE, name="Ana Díaz")
    upsert_client("+12125550101", name="Ana Ruiz")
    several = smsprefs("prefs", "ana")
    assert several.exit_code == 0
    assert "2 clients match “ana”" in several.output
    assert f"{PHONE}  Ana Díaz" in several.output and "+12125550101  Ana Ruiz" in several.output
    none = smsprefs("prefs", "Client 8")
    assert none.exit_code == 1
    assert "no client's name contains “Client 8”, and it is not a phone number" in none.output


def test_inbound_wakes_the_alert_poster_at_once(smsprefs, monkeypatch):  # noqa: F811
    from gateway.queue import Queue

    woken = []
    monkeypatch.setattr(Queue, "wake", lambda self, delay=0: woken.append("deliver"))
    monkeypatch.setattr(Queue, "wake_alerts", lambda self: woken.append("alerts"))
    result = smsprefs("inbound", "--from", PHONE, "--text", "STOP")
    assert result.exit_code == 0, result.output
    assert woken == ["deliver", "alerts"]


def test_export_into_a_closed_pipe_is_not_an_error(database, tmp_path):
    for n in range(500):  # three events each: more than a pipe's 64 KiB buffer
        client_texts(f"+1212555{n:04d}", "opt_out")
    env = {**os.environ, "DATABASE_URL": database.url}
    reader = subprocess.Popen([SMSPREFS, "export", "events"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()  # `| head -1`
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err.decode()
    assert err == b""
