"""The README's "Run it" section shows what `make run` really prints: the same start-up lines,
and the one line per inbound text its "Try it" promises, with nothing from the libraries."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.fakes.gunicorn import free_port

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


def readme_block_after(words: str) -> list[str]:
    """Return the lines of the first ``` block after `words` in the README."""
    start = README.index(words)
    block = re.search(r"```\n(.*?)```", README[start:], re.S)[1]
    return block.rstrip("\n").splitlines()


def serve(tmp_path: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMSPREFS_", "DATABASE_URL", "VONAGE_", "SLACK_", "WEBHOOK_"))}
    env.update(ALLOW_UNSIGNED_WEBHOOKS="true", SMSPREFS_API_TOKEN="local-dev-token",
               PORT=str(port))  # what `make run` sets
    return subprocess.Popen([str(Path(sys.executable).with_name("smsprefs")), "serve"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def read_until(process: subprocess.Popen, done, timeout: float = 60) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(STAMP.sub("… ", line.rstrip("\n")))
        if done(lines):
            return lines
    raise AssertionError("the server did not print what was awaited:\n" + "\n".join(lines))


def test_make_runs_start_up_and_first_stop_print_what_the_readme_shows(tmp_path):
    port = free_port()
    process = serve(tmp_path, port)
    try:
        started = read_until(process, lambda lines: "listening on" in lines[-1])
        shown = [line.replace(":5000", f":{port}") for line in
                 readme_block_after("`local-dev-token`, and the webhooks accept unsigned")]
        assert started == shown
        url = (f"http://127.0.0.1:{port}/webhooks/vonage/inbound?msisdn=12125550100"
               "&to=12125550199&messageId=try-1&text=STOP")
        assert urllib.request.urlopen(url, timeout=10).status == 204
        # the worker sends the confirmation and posts the alert in either order
        after = read_until(process, lambda lines: sum(
            "posted" in line or "via console" in line for line in lines) == 2)
        promised = readme_block_after("The server logs the decision")
        assert after[0] == promised[0]  # the decision, before the webhook answers
        assert sorted(after) == sorted(promised)
    finally:
        process.terminate()
        process.wait(timeout=30)
