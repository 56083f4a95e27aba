"""Importing CSV: rule 9 row by row, broken rows reported, batches set-based."""

from __future__ import annotations

import io

import pytest
from playhouse.test_utils import count_queries

from store.clients import clients_of
from store.consent import get_state
from store.errors import InvalidRequest
from store.history import list_events, verify
from store.imports import import_csv
from store.models import Client, ConsentEvent, Phone
from tests.factories import client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
HEADER = "phone,name,crm_id,overall,opted_out_at\n"


def run(body: str, **kw):
    return import_csv(io.StringIO(HEADER + body), source_name="crm.csv", **kw)


def test_import_creates_clients_and_applies_opt_outs_with_their_date():
    report = run("(212) 555-0100,Ana Lopez,C1,opted_out,2024-03-01T14:00:00Z\n"
                 "212-555-0101,Bob Stone,C2,opted_in,\n"
                 "2125550102,Cy,,,\n")
    assert (report.rows, report.applied, report.unchanged, report.skipped, report.invalid) == (
        3, 2, 1, 0, 0)
    ana = get_state("+12125550100")
    assert (ana.overall, ana.overall_source, ana.locked) == ("opted_out", "import", True)
    assert str(ana.overall_changed_at) == "2024-03-01 14:00:00"
    assert list_events("+12125550100")[-1].occurred_at.year == 2024
    assert [c.crm_id for c in clients_of("+12125550101")] == ["C2"]
    assert get_state("+12125550102").overall == "unknown"
    assert list(verify()) == []


def test_rule_9_import_row_that_would_opt_in_an_opted_out_phone_is_skipped_and_reported():
    client_texts("+12125550100", "opt_out")
    staff_sets("+12125550101", overall="opted_out")
    report = run("2125550100,Ana,,opted_in,\n2125550101,Bob,,opted_in,\n")
    assert (report.applied, report.skipped) == (0, 2)
    assert [p[:2] for p in report.problems] == [(2, "+12125550100"), (3, "+12125550101")]
    assert "import never relaxes" in report.problems[0][2]
    assert get_state("+12125550100").overall == "opted_out"
    assert get_state("+12125550101").overall == "opted_out"
    refused = ConsentEvent.select().where(ConsentEvent.outcome == "refused").count()
    assert refused == 2
    assert [c.name for c in clients_of("+12125550100")] == ["Ana"]  # the client still lands


def test_import_never_downgrades_opted_in_to_unknown():
    staff_sets("+12125550100", overall="opted_in", note="form")
    report = run("2125550100,Ana,,unknown,\n")
    assert report.unchanged == 1
    assert get_state("+12125550100").overall == "opted_in"


def test_import_restating_a_staff_opt_out_leaves_it_reversible_by_staff():
    staff_sets("+12125550100", overall="opted_out")
    assert run("2125550100,Ana,,opted_out,\n").unchanged == 1
    assert get_state("+12125550100").overall_source == "staff"
    staff_sets("+12125550100", overall="opted_in", note="re-consented in writing")
    assert get_state("+12125550100").overall == "opted_in"


def test_an_opt_out_date_without_overall_is_an_opt_out_and_with_opted_in_is_invalid():
    report = run("2125550100,Ana,,,2024-05-01\n2125550101,Bob,,opted_in,2024-05-01\n")
    assert (report.applied, report.invalid) == (1, 1)
    assert get_state("+12125550100").overall == "opted_out"
    assert "opted_out_at is given but overall is opted_in" in report.problems[0][2]


GOOD_ROWS = b"".join(f"2125550{n:03d},A,,opted_out,\n".encode() for n in range(100))


@pytest.mark.parametrize(("content", "message"), [
    (b"phone,name,crm_id,overall\n" + GOOD_ROWS + b"2125550999,Jos\xe9,,,\n", "not UTF-8"),
    (b"phone,name,crm_id,overall\n" + GOOD_ROWS + b'2125550999,"' + b"x" * 200_000 + b'"\n',
     "not valid CSV"),
    (b"phone,phone,overall\n2125550100,2125550101,opted_out\n", "names phone more than once"),
], ids=["latin-1", "huge-field", "repeated-header"])
def test_a_broken_file_is_refused_before_anything_is_written(tmp_path, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with path.open(newline="", encoding="utf-8-sig") as stream, \
            pytest.raises(InvalidRequest, match=message):
        import_csv(stream, source_name="broken.csv", batch_size=10)
    assert Phone.select().count() == 0


def test_a_row_with_a_nul_character_is_invalid_not_fatal():
    report = run("2125550100,An\x00a,,opted_out,\n2125550101,Bob,,opted_out,\n")
    assert (report.invalid, report.applied) == (1, 1)
    assert "NUL" in report.problems[0][2]


def test_broken_rows_are_reported_and_change_nothing_while_good_rows_land():
    report = run(
        "not a phone,Ann,,opted_out,\n"
        "2125550101,Bob,,maybe,\n"
        "2125550102,Cy,,opted_out,yesterday\n"
        "2125550103,Di,,opted_out,2999-01-01\n"
        "2125550104,Ed,,opted_out,,extra,fields\n"
        ",No Phone,,,\n"
        f"2125550105,{'x' * 300},,,\n"
        "2125550106,Good Row,G1,opted_out,2025-05-05\n")
    assert (report.rows, report.invalid, report.applied) == (8, 7, 1)
    reasons = [p[2] for p in report.problems]
    assert "not a phone number" in reasons[0]
    assert "overall must be" in reasons[1]
    assert "ISO 8601" in reasons[2]
    assert "future" in reasons[3]
    assert "more fields than the header" in reasons[4]
    assert "phone number is required" in reasons[5]
    assert "at most 200 characters" in reasons[6]
    assert [p.e164 for p in Phone.select()] == ["+12125550106"]
    assert get_state("+12125550106").overall == "opted_out"


def test_a_csv_without_a_phone_header_is_refused_before_any_row():
    with pytest.raises(InvalidRequest, match="header row with a phone column"):
        import_csv(io.StringIO("2125550100,Ana\n"), source_name="x.csv")
    with pytest.raises(InvalidRequest):
        import_csv(io.StringIO(""), source_name="empty.csv")
    assert Phone.select().count() == 0


def test_a_phone_twice_in_one_batch_keeps_the_stricter_outcome():
    report = run("2125550100,Ana,,opted_out,\n2125550100,Ana,,opted_in,\n"
                 "2125550100,Ana B,,opted_out,\n")
    assert (report.applied, report.skipped, report.unchanged) == (1, 1, 1)
    assert get_state("+12125550100").overall == "opted_out"
    assert Client.select().count() == 2
    assert list(verify()) == []


def test_reimporting_updates_clients_instead_of_duplicating_them():
    run("2125550100,Ana Lopez,C1,,\n")
    run("2125550100,ana  lopez,,,\n2125550100,ANA LOPEZ,C9,,\n")
    clients = clients_of("+12125550100")
    assert [(c.name, c.crm_id) for c in clients] == [("ANA LOPEZ", "C9")]


def test_import_is_batched_not_per_row():
    body = "".join(f"+1212555{n:04d},Client {n},C{n},opted_out,\n" for n in range(400))
    progress = []
    with count_queries() as counter:
        report = run(body, batch_size=200, progress=progress.append)
    assert report.applied == 400 and progress == [200, 200]
    # per batch: phones, lock+load, switches, clients, events, phones, switches, savepoints
    assert counter.count <= 2 * 20, counter.count
    assert ConsentEvent.select().count() == 400 * 3
    assert list(verify()) == []


def test_a_crm_id_under_a_new_name_renames_the_record():
    run("2125550100,John Smith,C1,,\n")
    run("2125550100,Jon Smith,C1,,\n")
    assert [(c.name, c.crm_id) for c in clients_of("+12125550100")] == [("Jon Smith", "C1")]
