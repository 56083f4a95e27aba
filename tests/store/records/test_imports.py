"""Importing CSV: rule 9 row by row, broken rows reported, batches set-based."""

from __future__ import annotations

import contextlib
import io
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playhouse.test_utils import count_queries

from store.consent.changes import get_state
from store.consent.history import list_events
from store.consent.replay import verify
from store.errors import InvalidRequest
from store.models import Client, ConsentEvent, Phone
from store.records.clients import clients_of, upsert_client
from store.records.exports import export_clients
from store.records.imports import import_csv
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


@pytest.mark.parametrize("path", ["import", "one client"])
def test_a_crm_id_two_records_share_renames_one_of_them(path):
    """A name that existed takes a crm_id another record has (both keep it); the crm_id
    coming back under a third name renames the oldest, and never both to one name."""
    upsert_client("+12125550100", name="Ana", crm_id="C1")
    upsert_client("+12125550100", name="Carl")
    upsert_client("+12125550100", name="Carl", crm_id="C1")
    if path == "import":
        report = run("2125550100,Bob,C1,,\n")
        assert report.problems == []
    else:
        assert upsert_client("+12125550100", name="Bob", crm_id="C1").name == "Bob"
    assert [(c.name, c.crm_id) for c in clients_of("+12125550100")] == [
        ("Bob", "C1"), ("Carl", "C1")]


# SPEC section 7: the import reads back what `export clients` writes, names included

PREFIXES = ["", "=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "' ", "'@", " "]
free_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                    max_size=30)
names = st.builds(str.__add__, st.sampled_from(PREFIXES), free_text)
_phones = itertools.count()


def snapshot() -> list[tuple]:
    return sorted(Client.select(Client.id, Phone.e164, Client.name, Client.name_key,
                                Client.crm_id).join(Phone).tuples())


@settings(max_examples=40, deadline=None)
@given(people=st.lists(st.tuples(names, st.one_of(st.none(), names)), min_size=1, max_size=6,
                       unique_by=lambda p: p[1] or object()))
def _export_then_import_changes_nothing(people):
    Client.delete().execute()  # each example on its own: a failure shrinks to its cause
    base = 5550000 + next(_phones) * 3
    for i, (name, crm_id) in enumerate(people):
        with contextlib.suppress(InvalidRequest):  # no name left once spaces are collapsed
            upsert_client(f"+1212{base + i % 3:07d}", name=name, crm_id=crm_id)
    before, events = snapshot(), ConsentEvent.select().count()
    out = io.StringIO()
    export_clients(out)
    report = import_csv(io.StringIO(out.getvalue(), newline=""), source_name="export.csv")
    assert (report.applied, report.skipped, report.invalid) == (0, 0, 0), report.problems
    assert (report.clients_created, report.clients_updated) == (0, 0)
    assert snapshot() == before
    assert ConsentEvent.select().count() == events


def test_an_export_imports_back_unchanged_whatever_the_names():
    _export_then_import_changes_nothing()


def test_a_formula_like_name_exported_and_imported_is_the_same_record():
    upsert_client("+12125550100", name="=HYPERLINK(\"http://x\",\"Ana\")", crm_id="C1")
    upsert_client("+12125550100", name="@Bob", crm_id=None)
    upsert_client("+12125550100", name="'=already quoted", crm_id="-7")
    out = io.StringIO()
    export_clients(out)
    assert "'=HYPERLINK" in out.getvalue() and "''=already quoted" in out.getvalue()
    import_csv(io.StringIO(out.getvalue()), source_name="export.csv")
    assert [(c.name, c.crm_id) for c in clients_of("+12125550100")] == [
        ("'=already quoted", "-7"), ("=HYPERLINK(\"http://x\",\"Ana\")", "C1"), ("@Bob", None)]


def test_the_columns_an_export_adds_are_skipped_and_named_in_the_report():
    out = io.StringIO()
    upsert_client("+12125550100", name="Ana")
    export_clients(out)
    report = import_csv(io.StringIO(out.getvalue()), source_name="export.csv")
    assert report.ignored_columns == ("overall_source", "overall_changed_at", "carrier_blocked",
                                      "price_reduction", "new_vehicle_arrival")
    assert run("2125550101,Bob,,,\n").ignored_columns == ()


@pytest.mark.parametrize(("header", "named"), [
    ("phone,name,crm_id,status,opted_out_at", 'unknown column "status":'),
    ("phone,name,crm_id,Overal,opted_out_at", 'unknown column "Overal":'),
    ("phone,name,email,opt_out", 'unknown columns "email", "opt_out":'),
    ("phone,name,crm id,overall", 'unknown column "crm id":'),
    ("\ufeff Status ,phone,name", 'unknown column "Status":'),
], ids=["status", "misspelled", "two", "space", "bom"])
def test_a_column_outside_the_list_stops_the_import_naming_it(header, named):
    body = "2125550100,Ana,C1,opted_out,2024-01-01\n2125550101,Bob,C2,opted_out,\n"
    with pytest.raises(InvalidRequest, match=re.escape(named)) as refused:
        import_csv(io.StringIO(f"{header}\n{body}"), source_name="crm.csv")
    message = str(refused.value)
    assert "\n" not in message and "phone,name,crm_id,overall,opted_out_at" in message
    assert "nothing was imported" in message
    assert (Phone.select().count(), Client.select().count(),
            ConsentEvent.select().count()) == (0, 0, 0)


def test_header_names_are_read_in_any_case_with_spaces_and_a_bom_around_them():
    csv_text = ("\ufeff Phone ,NAME, Crm_Id ,Overall,OPTED_OUT_AT\n"
                "2125550100,Ana,C1,opted_out,2024-01-01\n")
    report = import_csv(io.StringIO(csv_text), source_name="excel.csv")
    assert report.applied == 1
    assert [(c.name, c.crm_id) for c in clients_of("+12125550100")] == [("Ana", "C1")]
    assert get_state("+12125550100").overall == "opted_out"


@pytest.mark.parametrize(("header", "message"), [
    ("phone,name,Name ,overall", "the header names name more than once"),
    ("Phone Number,name,overall", "header row with a phone column"),
    ("name,overall", "header row with a phone column"),
], ids=["repeated-after-cleaning", "phone-misnamed", "no-phone"])
def test_a_header_that_cannot_be_read_exactly_stops_the_import(header, message):
    with pytest.raises(InvalidRequest, match=message):
        import_csv(io.StringIO(f"{header}\n2125550100,Ana,Al,opted_out\n"), source_name="x.csv")
    assert Phone.select().count() == 0


def test_an_unnamed_column_may_be_empty_but_may_not_hold_values():
    assert run_with("phone,name,,overall,", "2125550100,Ana,,opted_out,\n").applied == 1
    with pytest.raises(InvalidRequest, match="line 3: a column without a name"):
        run_with("phone,name,,overall", "2125550101,Bob,,opted_out\n2125550102,Cy,x,\n")
    assert [p.e164 for p in Phone.select()] == ["+12125550100"]


def run_with(header: str, body: str, **kw):
    return import_csv(io.StringIO(f"{header}\n{body}"), source_name="crm.csv", **kw)


# Issue 11: one pass, one transaction: an import that fails anywhere changes nothing

def test_a_failure_after_some_batches_were_written_rolls_the_whole_import_back(monkeypatch):
    import store.records.imports as imports

    staff_sets("+12125550199", overall="opted_in", note="form")
    before = (Phone.select().count(), Client.select().count(), ConsentEvent.select().count())
    written = []
    persist = imports.persist_plans

    def fail_on_the_third_batch(plans, **kw):
        written.append(len(plans))
        if len(written) == 3:
            raise RuntimeError("the database went away")
        return persist(plans, **kw)

    monkeypatch.setattr(imports, "persist_plans", fail_on_the_third_batch)
    body = "".join(f"+1212555{n:04d},Client {n},C{n},opted_out,\n" for n in range(50))
    with pytest.raises(RuntimeError, match="went away"):
        run(body + "2125550199,Zed,,opted_out,\n", batch_size=10)
    assert len(written) == 3
    assert (Phone.select().count(), Client.select().count(),
            ConsentEvent.select().count()) == before
    assert get_state("+12125550199").overall == "opted_in"
    assert list(verify()) == []


def test_a_file_broken_far_down_changes_nothing_though_batches_were_written_before_it():
    body = "".join(f"+1212555{n:04d},Client {n},C{n},opted_out,\n" for n in range(30))
    progress = []
    with pytest.raises(InvalidRequest, match="line 33: a column without a name"):
        run_with("phone,name,crm_id,overall,", body + "2125550100,Ana,,,\n2125550101,Bo,,,x\n",
                 batch_size=10, progress=progress.append)
    assert progress == [10, 10, 10]  # three batches went to the database, then were undone
    assert (Phone.select().count(), Client.select().count(),
            ConsentEvent.select().count()) == (0, 0, 0)


class OneWay(io.StringIO):
    def seek(self, *args):
        raise io.UnsupportedOperation("a pipe cannot seek")


def test_the_import_reads_its_file_once_so_a_pipe_will_do():
    report = import_csv(OneWay(HEADER + "2125550100,Ana,C1,opted_out,\n"), source_name="-")
    assert (report.rows, report.applied) == (1, 1)


def test_a_phone_another_writer_stores_while_the_batch_plans_is_planned_as_stored(monkeypatch):
    """A batch plans its new phones before inserting them; one stored meanwhile (another
    transaction, between the read and the insert) is read and planned again as stored."""
    import store.records.imports as imports

    insert = imports.insert_new

    def another_writer_first(model, fields, rows):
        client_texts("+12125550101", "opt_out")  # a locked opt-out lands before the insert
        upsert_client("+12125550101", name="Bob", crm_id="C2")
        return insert(model, fields, rows)

    monkeypatch.setattr(imports, "insert_new", another_writer_first)
    report = run("2125550100,Ana,C1,opted_in,\n2125550101,Bob,C2,opted_in,\n"
                 "2125550101,Bob,C2,opted_in,\n")
    assert (report.created, report.applied, report.skipped, report.clients_created) == (
        1, 1, 2, 1)
    assert [p[:2] for p in report.problems] == [(3, "+12125550101"), (4, "+12125550101")]
    bob = get_state("+12125550101")
    assert (bob.overall, bob.overall_source) == ("opted_out", "client_keyword")  # rule 9
    assert get_state("+12125550100").overall == "opted_in"
    assert [c.name for c in clients_of("+12125550101")] == ["Bob"]
    assert list(verify()) == []
