"""What a person types on the command line, read as /api/v1 reads the same fields: bytes that
are not UTF-8 (a lone surrogate once Python decodes argv) and control characters a field
cannot hold are a usage error naming the argument, exit 2, and change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.models import MODELS, InboundMessage
from tests.factories import OTHER, PHONE
from tests.gateway.test_cli import natural_opt_out, smsprefs  # noqa: F401  (the fixture)

SMSPREFS = str(Path(sys.executable).with_name("smsprefs"))
EVENT = "event id"  # stands for the id of the opt-out the `opted_out` fixture made
NOT_UTF8 = "\udcff"  # what Python makes of the byte 0xFF in argv (surrogateescape)
LINE, PROSE, CLIENTS_TEXT = "line", "prose", "client's text"
# C0 and C1 controls; prose keeps tab, line feed and carriage return, and a client's text
# loses its controls in the store, as the same text from Vonage does
CONTROLS = {LINE: ["\x1b", "\x07", "\x85", "\x7f", "\t", "\n", "\r"],
            PROSE: ["\x1b", "\x07", "\x85", "\x7f", "\x0c"],
            CLIENTS_TEXT: []}

# Every argument and option of smsprefs that takes what a person types: the command line
# with ... where the value goes, how click names it, its kind, and a value it takes.
TYPED = [
    (("prefs", ...), "'CLIENT'", LINE, "Ana"),
    (("proof", ...), "'PHONE'", LINE, PHONE),
    (("misread", ..., EVENT, "--note", "n", "--actor", "jo"), "'PHONE'", LINE, PHONE),
    (("misread", PHONE, EVENT, "--note", ..., "--actor", "jo"), "'--note'", PROSE,
     "meant the mailing list"),
    (("misread", PHONE, EVENT, "--note", "n", "--actor", ...), "'--actor'", LINE, "jo"),
    (("classify", ...), "'TEXT'", CLIENTS_TEXT, "STOP"),
    (("classify", "yes", "--phone", ...), "'--phone'", LINE, PHONE),
    (("inbound", "--from", ..., "--text", "STOP"), "'--from'", LINE, OTHER),
    (("inbound", "--from", OTHER, "--text", ...), "'--text'", CLIENTS_TEXT, "STOP"),
    (("send", "--to", ..., "--text", "hi", "--kind", "manual"), "'--to'", LINE, OTHER),
    (("send", "--to", OTHER, "--text", ..., "--kind", "manual"), "'--text'", PROSE,
     "Your car is ready"),
    (("send", "--to", OTHER, "--text", "hi", "--kind", "automation", "--automation", ...),
     "'--automation'", LINE, "price_reduction"),
    (("send", "--to", OTHER, "--text", "hi", "--kind", "manual", "--actor", ...), "'--actor'",
     LINE, "jo"),
    (("serve", "--host", ...), "'--host'", LINE, "127.0.0.1"),
]


def _case(args, name, value, bad):
    said = ("is not valid UTF-8 (the byte 0xFF)" if bad == NOT_UTF8
            else f"holds the control character U+{ord(bad):04X}")
    return pytest.param(args, name, value + bad, said,
                        id=f"{args[0]}-{name.strip(chr(39))}-U+{ord(bad):04X}")


CASES = [_case(args, name, value, bad) for args, name, kind, value in TYPED
         for bad in [NOT_UTF8, *CONTROLS[kind]]]


@pytest.fixture
def opted_out(database) -> str:
    """A client, Ana, whose natural-language opt-out may be marked misread; its event id."""
    from store.records import upsert_client

    upsert_client(PHONE, name="Ana")
    return str(natural_opt_out())


def stored() -> list[list[str]]:
    """Every row of every table, to compare before and after a command."""
    return [sorted(map(repr, model.select().tuples())) for model in MODELS]


def command_line(args: tuple, value: str, event: str) -> list[str]:
    return [value if arg is ... else event if arg == EVENT else arg for arg in args]


@pytest.mark.parametrize(("args", "name", "value", "said"), CASES)
def test_typed_text_not_utf8_or_with_a_control_is_a_usage_error_and_changes_nothing(
        smsprefs, opted_out, args, name, value, said):  # noqa: F811
    before = stored()
    result = smsprefs(*command_line(args, value, opted_out))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {name}: {said}" in result.output
    assert value not in result.output  # what was typed is not echoed: no line is forged
    assert stored() == before


def test_a_text_to_send_keeps_its_lines_and_refuses_other_controls(smsprefs):  # noqa: F811
    ok = smsprefs("send", "--to", OTHER, "--text", "Your car is ready.\r\n\tBay 3",
                  "--kind", "manual")
    assert ok.exit_code == 0, ok.output
    before = stored()
    refused = smsprefs("send", "--to", OTHER, "--text", "\x1b[2JYour car is ready",
                       "--kind", "manual")
    assert refused.exit_code == 2
    assert "Invalid value for '--text': holds the control character U+001B; tab, line feed " \
           "and carriage return are the only ones it may hold" in refused.output
    assert stored() == before


def test_a_clients_text_loses_its_controls_as_from_vonage_but_must_be_utf8(
        smsprefs):  # noqa: F811
    result = smsprefs("inbound", "--from", OTHER, "--text", "STOP\x1b\x07\x85")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intent"] == "opt_out"
    assert [m.text for m in InboundMessage.select()] == ["STOP"]
    before = stored()
    refused = smsprefs("inbound", "--from", OTHER, "--text", "START" + NOT_UTF8)
    assert refused.exit_code == 2
    assert "Invalid value for '--text': is not valid UTF-8" in refused.output
    assert stored() == before


def test_the_installed_command_refuses_bytes_that_are_not_utf8(database, tmp_path):
    """The defect as reported: `smsprefs prefs $'ana\\xff'` was a traceback."""
    env = {**os.environ, "DATABASE_URL": database.url}
    run = subprocess.run([SMSPREFS, "prefs", b"ana\xff"], cwd=tmp_path, env=env,
                         capture_output=True, timeout=60)
    assert run.returncode == 2, run.stderr.decode(errors="replace")
    assert run.stderr.decode().endswith(
        "Error: Invalid value for 'CLIENT': is not valid UTF-8 (the byte 0xFF); check the "
        "encoding of the terminal or script\n")
    assert b"Traceback" not in run.stderr and run.stdout == b""
