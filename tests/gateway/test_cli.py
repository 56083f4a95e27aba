"""The store's commands of `smsprefs`, through click, against the test database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from store.db import db
from store.models import ConsentEvent, Phone
from tests.factories import PHONE, as_superuser, client_texts, staff_sets


@pytest.fixture
def smsprefs(database, monkeypatch, tmp_path):
    """Return a function that runs `smsprefs ARGS` against the test database."""
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in ("DEFAULT_REGION", "DEALERSHIP_TIMEZONE", "SMSPREFS_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def run(*args, env=None):
        result = CliRunner().invoke(main, list(args),
                                    env={"DATABASE_URL": database.url, **(env or {})})
        if db.obj is not database:  # the command bound its own database: give ours back
            if hasattr(db.obj, "close_all"):
                db.obj.close_all()
            db.initialize(database)
        return result

    return run


def test_migrate_is_safe_to_repeat(smsprefs):
    result = smsprefs("migrate")
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output


def test_import_prints_a_summary_and_the_rows_it_skipped(smsprefs, tmp_path):
    client_texts(PHONE, "opt_out")
    csv = tmp_path / "crm.csv"
    csv.write_text("\ufeffphone,name,crm_id,overall,opted_out_at\n"
                   "2125550100,Ana,C1,opted_in,\n"
                   "2125550101,Bob,C2,opted_out,2025-01-01\n"
                   "nope,Cy,,,\n", encoding="utf-8")
    result = smsprefs("import", str(csv))
    assert result.exit_code == 1, result.output  # rows were not taken: a script must see it
    assert "3 rows: 1 created, 0 updated, 0 unchanged, 1 skipped, 1 invalid" in result.output
    assert "line 2: +12125550100: skipped (import_never_relaxes)" in result.output
    assert "line 4: nope:" in result.output


def test_import_of_a_file_without_header_fails_clearly(smsprefs, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("2125550100,Ana\n")
    result = smsprefs("import", str(csv))
    assert result.exit_code == 1
    assert "header row with a phone column" in result.output
    assert Phone.select().count() == 0


def test_export_clients_and_events(smsprefs, tmp_path):
    client_texts(PHONE, "opt_out")
    out = tmp_path / "clients.csv"
    result = smsprefs("export", "clients", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1].startswith(f"{PHONE},,,opted_out,")
    events = smsprefs("export", "events")
    assert events.exit_code == 0
    assert len(events.output.splitlines()) == 1 + 3  # header, overall and two cascades


def test_export_clients_then_import_changes_nothing_names_included(smsprefs, tmp_path):
    from store.records.clients import clients_of, upsert_client

    upsert_client(PHONE, name="=SUM(A1:A9)", crm_id="+C1")
    upsert_client(PHONE, name="'@ Ana", crm_id="C2")
    upsert_client("+12125550101", name="Bo\u0301 Stone")
    client_texts("+12125550101", "opt_out")
    before = [(c.id, c.name, c.crm_id) for c in clients_of(PHONE)]
    out = tmp_path / "clients.csv"
    assert smsprefs("export", "clients", "-o", str(out)).exit_code == 0
    assert "'=SUM(A1:A9),'+C1," in out.read_text()
    result = smsprefs("import", str(out))
    assert result.exit_code == 0, result.output
    assert "3 rows: 0 created, 0 updated, 3 unchanged, 0 skipped, 0 invalid" in result.output
    assert "client records: 0 created, 0 updated" in result.output
    assert "not imported (columns of `export clients` an import cannot set): overall_source" \
        in result.output
    assert [(c.id, c.name, c.crm_id) for c in clients_of(PHONE)] == before


def test_import_with_an_unknown_column_stops_before_writing_naming_it(smsprefs, tmp_path):
    from store.models import Client, ConsentEvent

    csv = tmp_path / "crm.csv"
    csv.write_text("\ufeffphone,name,crm_id,status,opted_out_at\n"
                   "2125550100,Ana,C1,opted_out,2025-01-01\n", encoding="utf-8")
    result = smsprefs("import", str(csv))
    assert result.exit_code == 1
    [error] = result.stderr.splitlines()  # one line, no progress bar before it
    assert error.startswith('error: unknown column "status": an import reads '
                            "phone,name,crm_id,overall,opted_out_at")
    assert "nothing was imported" in error
    assert (Phone.select().count(), Client.select().count(),
            ConsentEvent.select().count()) == (0, 0, 0)


def test_prefs_prints_the_card_with_its_lock(smsprefs):
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    staff_sets(PHONE, overall="opted_out")
    result = smsprefs("prefs", "(212) 555-0100")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(PHONE)
    assert lines[1].startswith("Overall: ❌ Opted out by U_STAFF in Slack on ")
    assert "staff may opt them back in" in result.output
    assert '🔒 Price Reduction Notifications were turned off by the client\'s own text' in \
        result.output
    assert 'off by texting "STOP PRICE DROP"' in result.output


@pytest.mark.parametrize(("phone", "message"), [
    ("2125550199", "no client or consent is recorded for +12125550199"),
    ("banana", "is not a phone number"),
])
def test_prefs_of_an_unknown_or_bad_phone_is_a_clear_error(smsprefs, phone, message):
    result = smsprefs("prefs", phone)
    assert result.exit_code == 1
    assert message in result.output


def test_verify_reports_ok_then_a_tampered_phone(smsprefs):
    client_texts(PHONE, "opt_out")
    ok = smsprefs("verify")
    assert ok.exit_code == 0 and "ok: 1 phones" in ok.output
    Phone.update(overall="opted_in").where(Phone.e164 == PHONE).execute()
    bad = smsprefs("verify")
    assert bad.exit_code == 1
    assert f"{PHONE} overall: history says opted_out/client_keyword, state is opted_in/" \
        "client_keyword" in bad.output


def test_verify_names_the_first_event_whose_hash_breaks(smsprefs):
    client_texts(PHONE, "opt_out")
    client_texts(PHONE, "opt_in", text="START")
    last = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert f"head: event {last.id}, hash {last.hash}" in smsprefs("verify").output
    target = ConsentEvent.select().order_by(ConsentEvent.id)[1]
    as_superuser(f"UPDATE consent_event SET note = 'edited' WHERE id = {db.obj.param}",
                 (target.id,))
    result = smsprefs("verify")
    assert result.exit_code == 1
    assert f"chain broken at event {target.id}: its hash does not match" in result.output


def test_classify_prints_json(smsprefs):
    result = smsprefs("classify", "Stop texting me please")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["intent"], body["scope"]) == ("opt_out", "all")
    assert body["rule"] and body["version"]


def test_classify_reads_yes_in_the_phone_context(smsprefs):
    assert json.loads(smsprefs("classify", "yes", "--phone", PHONE).output)["intent"] == "none"
    client_texts(PHONE, "opt_out")
    result = json.loads(smsprefs("classify", "yes", "--phone", PHONE).output)
    assert (result["intent"], result["scope"]) == ("opt_in", "all")


@pytest.mark.parametrize("text", ["", "   "])
def test_classify_reads_an_empty_text_as_none(smsprefs, text):
    result = smsprefs("classify", text)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["intent"], body["scope"]) == ("none", None)


def test_classify_handles_a_ten_thousand_character_text(smsprefs):
    result = smsprefs("classify", "I will stop by the dealership tomorrow. " * 250)
    assert result.exit_code == 0
    assert json.loads(result.output)["intent"] == "review"


@pytest.mark.parametrize(("env", "message"), [
    ({"DEFAULT_REGION": "XX"}, "DEFAULT_REGION must be a two-letter region"),
    ({"DEALERSHIP_TIMEZONE": "Mars/Base"}, "DEALERSHIP_TIMEZONE must be an IANA time zone"),
    ({"DATABASE_URL": "mysql-ish"}, "DATABASE_URL"),
    ({"VONAGE_MAX_RPS": "fast"}, "VONAGE_MAX_RPS must be a number"),
])
def test_bad_configuration_stops_with_one_line_naming_the_variable(smsprefs, env, message):
    result = smsprefs("verify", env=env)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_inbound_feeds_a_text_through_the_webhook_path(smsprefs):
    result = smsprefs("inbound", "--from", "(212) 555-0100", "--text", "STOP PRICE DROP",
                      env={"DEALERSHIP_NAME": "Acme Motors"})
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["intent"], body["scope"], body["rule"]) == (
        "opt_out", "price_reduction", "scoped_keyword")
    assert body["changes"] == [{"scope": "price_reduction", "from": "on", "to": "off",
                                "source": "client_keyword"}]
    assert body["reply"]["status"] == "queued"
    assert body["reply"]["text"].startswith("Acme Motors: price drop alerts are off.")


def test_send_queues_an_allowed_text_and_refuses_a_blocked_one(smsprefs):
    ok = smsprefs("send", "--to", "2125550101", "--text", "Your car is ready",
                  "--kind", "manual")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["status"] == "queued"
    client_texts(PHONE, "opt_out")
    blocked = smsprefs("send", "--to", PHONE, "--text", "Sale!", "--kind", "campaign")
    assert blocked.exit_code == 1
    assert json.loads(blocked.output)["reason"] == "opted_out"
    bad = smsprefs("send", "--to", PHONE, "--text", "x", "--kind", "automation")
    assert bad.exit_code == 1 and "must name its automation" in bad.output


def natural_opt_out(e164: str = PHONE, rule: str = "natural_language") -> int:
    """Apply an opt-out the classifier read from natural language; return its event id."""
    from store.consent.changes import apply_client_intent
    from store.consent.history import EventContext

    context = EventContext(inbound_message_id="m1", raw_text="take me off your list", rule=rule)
    return apply_client_intent(e164, intent="opt_out", scope="all", context=context).event_ids[0]


def test_misread_undoes_a_natural_language_opt_out_and_prints_the_card(smsprefs):
    from store.consent.changes import get_state
    from store.consent.history import list_events

    event = natural_opt_out()
    result = smsprefs("misread", "(212) 555-0100", str(event), "--note",
                      "meant the mailing list", "--actor", "jo")
    assert result.exit_code == 0, result.output
    assert f"marked event {event} misread" in result.output
    assert "Overall: ❔ Unknown by jo" in result.output
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == ("unknown", "staff", False)
    last = list_events(PHONE)[0]
    assert (last.actor, last.channel, last.reason, last.note, last.corrects_id) == (
        "jo", "api", "misread", "meant the mailing list", event)


@pytest.mark.parametrize(("rule", "note", "reason"), [
    ("keyword", "meant the mailing list", "not_natural_language"),
    ("natural_language", " ", "note_required"),
])
def test_misread_refused_exits_1_with_the_reason_and_is_recorded(smsprefs, rule, note, reason):
    from store.consent.changes import get_state
    from store.consent.history import list_events

    event = natural_opt_out(rule=rule)
    result = smsprefs("misread", PHONE, str(event), "--note", note, "--actor", "jo")
    assert result.exit_code == 1
    assert f"not changed ({reason}):" in result.output
    assert get_state(PHONE).locked
    assert (list_events(PHONE)[0].outcome, list_events(PHONE)[0].reason) == ("refused", reason)


@pytest.mark.parametrize(("args", "message"), [
    (["2125550199", "1"], "no client or consent is recorded"),
    (["2125550100", "99"], "has no consent event 99"),
    (["banana", "1"], "is not a phone number"),
    (["2125550100", "0"], "0 is not in the range"),
    (["2125550100", "1", "--actor", " "], "--actor must name who marks it misread"),
])
def test_misread_of_an_unknown_or_bad_phone_or_event_is_a_clear_error(smsprefs, args, message):
    natural_opt_out()
    options = ["--note", "n"] + ([] if "--actor" in args else ["--actor", "jo"])
    result = smsprefs("misread", *args, *options)
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_misread_needs_a_note_and_an_actor(smsprefs):
    event = natural_opt_out()
    for missing in (["--actor", "jo"], ["--note", "n"]):
        result = smsprefs("misread", PHONE, str(event), *missing)
        assert result.exit_code == 2
        assert "Missing option" in result.output


def test_import_counts_each_row_once_and_lists_problems_in_line_order(smsprefs, tmp_path):
    client_texts(PHONE, "opt_out")
    staff_sets("+12125550102", overall="opted_in", note="asked in person")
    csv = tmp_path / "crm.csv"
    csv.write_text("phone,name,crm_id,overall,opted_out_at\n"
                   "2125550100,Ana,C1,opted_in,\n"      # line 2: skipped (the client's STOP)
                   "bad,Bo,,,\n"                         # line 3: invalid
                   "2125550101,Cy,C3,opted_out,\n"       # line 4: created (a new phone)
                   "2125550102,Di,,,\n"                  # line 5: updated (a new client record)
                   "2125550102,Di,,opted_in,\n"          # line 6: unchanged
                   "oops,Ed,,,\n", encoding="utf-8")      # line 7: invalid
    result = smsprefs("import", str(csv))
    assert result.exit_code == 1, result.output
    assert "6 rows: 1 created, 1 updated, 1 unchanged, 1 skipped, 2 invalid" in result.output
    lines = [int(n) for n in re.findall(r"^  line (\d+):", result.output, re.M)]
    assert lines == [2, 3, 7]


def test_an_import_that_takes_every_row_exits_0_and_fills_its_bar(smsprefs, tmp_path):
    csv = tmp_path / "crm.csv"
    csv.write_text("phone,name,crm_id,overall,opted_out_at\n2125550100,Ana,C1,opted_out,\n\n\n",
                   encoding="utf-8")
    result = smsprefs("import", str(csv))
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 invalid" in result.output


# --- proof: a phone's consent record ------------------------------------------------------------

def test_proof_writes_the_record_to_a_file_and_the_checker_passes_it(smsprefs, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    client_texts(PHONE, "opt_out", text="please stop")
    staff_sets("+12125550101", overall="opted_in", note="signed the form")
    result = smsprefs("proof", "(212) 555-0100", "-o", str(tmp_path / "proof.json"))
    assert result.exit_code == 0, result.output
    assert f"wrote the consent record of {PHONE} (3 events, json)" in result.output
    record = json.loads((tmp_path / "proof.json").read_text(encoding="utf-8"))
    assert [e["raw_text"] for e in record["events"]] == ["please stop"] * 3
    checker = Path(__file__).parents[2] / "tools" / "check_proof.py"
    run = subprocess.run([sys.executable, "-I", str(checker), str(tmp_path / "proof.json")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("ok: 3 events"), run.stdout


@pytest.mark.parametrize(("args", "start"), [
    ((), "# Consent record of +12125550100"),
    (("--format", "markdown"), "# Consent record of +12125550100"),
    (("--format", "html"), "<!DOCTYPE html>"),
    (("--format", "json"), "{"),
])
def test_proof_prints_each_form_to_standard_output(smsprefs, args, start):
    client_texts(PHONE, "opt_out")
    result = smsprefs("proof", PHONE, *args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(start)
    if args == ("--format", "json"):
        assert json.loads(result.output)["phone"] == PHONE


def test_proof_takes_its_form_from_the_files_name(smsprefs, tmp_path):
    client_texts(PHONE, "opt_out")
    assert smsprefs("proof", PHONE, "-o", str(tmp_path / "p.html")).exit_code == 0
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert smsprefs("proof", PHONE, "-o", str(tmp_path / "p.md")).exit_code == 0
    assert (tmp_path / "p.md").read_text(encoding="utf-8").startswith("# Consent record")


def test_proof_of_an_unknown_or_invalid_phone_exits_1(smsprefs):
    unknown = smsprefs("proof", "2125550109")
    assert unknown.exit_code == 1 and "no client or consent is recorded" in unknown.output
    invalid = smsprefs("proof", "nope")
    assert invalid.exit_code == 1 and "not a phone number" in invalid.output


def test_proof_of_an_event_edited_by_hand_is_written_and_exits_1(smsprefs, tmp_path):
    client_texts(PHONE, "opt_out")
    event = ConsentEvent.select().first()
    as_superuser(f'UPDATE consent_event SET "actor" = {db.obj.param} WHERE id = '
                 f'{db.obj.param}', ("someone", event.id))
    result = smsprefs("proof", PHONE, "-o", str(tmp_path / "p.json"))
    assert result.exit_code == 1
    assert f"warning: event {event.id} does not match its hash" in result.output
    assert (tmp_path / "p.json").exists()


def test_a_command_starts_without_the_web_app(tmp_path):
    """`smsprefs prefs` and the other commands import neither Flask nor Bolt: the gateway
    package's own import is empty (gateway.app builds the app), which keeps a command's
    start within issue 11's 0.4 s."""
    code = ("import sys\nfrom gateway.cli import main\n"
            "print(sorted(m for m in ('flask', 'slack_bolt', 'gateway.app') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert out.stdout.strip() == "[]"
