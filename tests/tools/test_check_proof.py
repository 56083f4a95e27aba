"""tools/check_proof.py: the standalone checker of a consent record, run as a lawyer would run
it (a subprocess, Python's standard library only), on real records and on edited ones."""

from __future__ import annotations

import ast
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from store.consent.chain import canonical
from store.records import make_proof
from tests.factories import OTHER, PHONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
CHECKER = Path(__file__).parents[2] / "tools" / "check_proof.py"


@pytest.fixture
def record() -> dict:
    client_texts(PHONE, "opt_out", text="please stop texting me")
    staff_sets(OTHER, overall="opted_in", note="signed the form")
    client_texts(PHONE, "opt_in", text="START")
    staff_sets(PHONE, overall="opted_out", note="asked at the desk")
    return make_proof(PHONE, dealership="Acme Motors")


def check(record, tmp_path) -> subprocess.CompletedProcess:
    """Run the checker on `record` in isolated mode, from an empty folder: it can import
    nothing of smsprefs."""
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return subprocess.run([sys.executable, "-I", str(CHECKER), str(path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_a_real_record_is_ok(record, tmp_path):
    run = check(record, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"ok: {len(record['events'])} events of {PHONE}")
    assert record["store"]["head_hash"] in run.stdout


def at(record: dict, index: int) -> dict:
    return record["events"][index]


@pytest.mark.parametrize(("field", "value"), [
    ("raw_text", "I'll stop by Friday"), ("actor", "someone else"),
    ("occurred_at", "2020-01-01 00:00:00.000000"), ("note", "added later"),
    ("new_state", "opted_in"),
])
def test_a_field_edited_in_the_record_fails_naming_that_event(record, tmp_path, field, value):
    edited = copy.deepcopy(record)
    target = at(edited, 1)
    target[field] = value
    run = check(edited, tmp_path)
    assert run.returncode == 1, run.stdout
    assert run.stdout.startswith(f"FAILED: event {target['id']}: {field} says "), run.stdout


@pytest.mark.parametrize("field", ["raw_text", "actor", "occurred_at"])
def test_an_edit_of_the_hashed_content_too_fails_on_the_hash(record, tmp_path, field):
    edited = copy.deepcopy(record)
    target = at(edited, 0)
    target[field] = "2020-01-01 00:00:00.000000" if field == "occurred_at" else "forged"
    target["content"] = canonical([target[f] for f in edited["chain"]["fields"]]).decode()
    run = check(edited, tmp_path)
    assert run.returncode == 1
    assert run.stdout == (f"FAILED: event {target['id']}: its hash does not match its content "
                          "and prev_hash (the event was changed after it was hashed)\n")


def test_events_out_of_order_fail(record, tmp_path):
    edited = copy.deepcopy(record)
    edited["events"][1], edited["events"][2] = edited["events"][2], edited["events"][1]
    run = check(edited, tmp_path)
    assert run.returncode == 1
    assert f"event {edited['events'][2]['id']}: not in the order" in run.stdout


def test_a_state_the_events_do_not_lead_to_fails(record, tmp_path):
    edited = copy.deepcopy(record)
    edited["state"]["overall"] = "opted_in"
    run = check(edited, tmp_path)
    assert run.returncode == 1 and "the state says overall is opted_in/staff" in run.stdout
    dropped = copy.deepcopy(record)  # leaving the last opt-out out of the record shows too
    dropped["events"] = [e for e in dropped["events"] if e["source"] != "staff"]
    assert check(dropped, tmp_path).returncode == 1


def test_a_store_head_that_is_not_the_last_events_hash_fails(record, tmp_path):
    edited = copy.deepcopy(record)
    assert edited["store"]["head_event_id"] == edited["events"][-1]["id"]
    edited["store"]["head_hash"] = "0" * 64
    run = check(edited, tmp_path)
    assert run.returncode == 1 and "the store's head hash" in run.stdout


def test_another_phones_event_fails(record, tmp_path):
    other = make_proof(OTHER)
    edited = copy.deepcopy(record)
    edited["events"] = sorted([*edited["events"], other["events"][0]], key=lambda e: e["id"])
    run = check(edited, tmp_path)
    assert run.returncode == 1
    assert f"event {other['events'][0]['id']}: it is an event of {OTHER}" in run.stdout


@pytest.mark.parametrize("text", ["", "{", "[]", '{"record": "something else"}',
                                  '{"record": "smsprefs consent record"}'])
def test_what_is_not_a_record_fails(tmp_path, text):
    path = tmp_path / "proof.json"
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-I", str(CHECKER), str(path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.startswith(("not a", "FAILED"))


def test_the_checker_uses_only_pythons_standard_library():
    tree = ast.parse(CHECKER.read_text(encoding="utf-8"))
    names = {alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module.split(".")[0] for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module}
    assert names and names <= sys.stdlib_module_names, names - sys.stdlib_module_names
