"""GET /api/v1/clients/<phone>/proof: the consent record as JSON, checked by the standalone
script, true to the database, and never a 5xx whatever the path holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.records import make_proof
from tests.factories import OTHER, PHONE, client_texts, staff_sets
from tests.gateway.hostile import (
    HOSTILE,
    api_call,
    assert_unchanged,
    check_answer,
    describe,
    encode_query,
    form_values,
    hostile_strings,
    phone_like,
    snapshot,
)
from tests.gateway.test_hostile_api import path_segment

pytestmark = pytest.mark.usefixtures("database")
CHECKER = Path(__file__).parents[2] / "tools" / "check_proof.py"


def history(api):
    api("PUT", f"/clients/{PHONE}", json={"name": "Ana Díaz", "crm_id": "C1"})
    client_texts(PHONE, "opt_out", text="please stop | <b>now</b>")
    staff_sets(OTHER, overall="opted_in", note="signed the form")
    client_texts(PHONE, "opt_in", text="START")


def test_the_record_of_a_known_phone_is_the_stores_and_the_checker_passes_it(api, tmp_path):
    history(api)
    response = api("GET", "/clients/(212) 555-0100/proof")
    assert response.status_code == 200
    record = response.get_json()
    assert record["phone"] == PHONE and record["dealership"] == "Acme Motors"
    expected = make_proof(PHONE, dealership="Acme Motors")
    assert {**record, "generated_at": None} == {**expected, "generated_at": None}
    assert record["state"]["overall"] == "opted_in"
    assert record["state"]["clients"] == [{"name": "Ana Díaz", "crm_id": "C1"}]
    assert record["events"][0]["raw_text"] == "please stop | <b>now</b>"
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    run = subprocess.run([sys.executable, str(CHECKER), str(path)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok: ")


def test_an_unknown_phone_is_404_and_a_bad_one_422(api):
    unknown = api("GET", f"/clients/{OTHER}/proof")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
    bad = api("GET", "/clients/nope/proof")
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_phone"


def test_the_proof_needs_the_token(client):
    response = client.get(f"/api/v1/clients/{PHONE}/proof")
    assert response.status_code == 401


def test_a_phone_known_without_events_has_a_record_of_its_defaults(api):
    api("PUT", f"/clients/{PHONE}", json={"name": "Ana"})
    record = api("GET", f"/clients/{PHONE}/proof").get_json()
    assert record["events"] == [] and record["state"]["overall"] == "unknown"


def test_the_log_masks_the_phone(api, caplog):
    history(api)
    with caplog.at_level("INFO", logger="smsprefs.api"):
        api("GET", f"/clients/{PHONE}/proof")
    assert "…0100" in caplog.text and PHONE not in caplog.text and "2125550100" not in caplog.text


@settings(HOSTILE, max_examples=60)
@given(data=st.data())
def test_any_path_and_query_is_never_a_5xx_and_changes_nothing(api, client, data):
    if not snapshot()["phones"]:
        history(api)
    segment = data.draw(st.one_of(st.sampled_from([PHONE, OTHER, PHONE.lstrip("+")]),
                                  phone_like(), hostile_strings), label="phone")
    pairs = data.draw(st.lists(st.tuples(st.one_of(st.sampled_from(["format", "limit"]),
                                                   st.text(max_size=5)), form_values),
                               max_size=3), label="query")
    before = snapshot()
    response = api_call(client, "GET", f"/clients/{path_segment(segment)}/proof", body=None,
                        content_type=None, query=encode_query(pairs))
    check_answer(response)
    assert response.status_code in (200, 404, 422), describe(response)
    assert_unchanged(before, snapshot(), response)


def test_the_record_is_read_only(api):
    history(api)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = api(method, f"/clients/{PHONE}/proof", json={})
        assert response.status_code == 405, method
        assert "GET" in response.headers["Allow"]
