"""Bulk work runs with the objects that existed before it frozen out of the collector's
passes (store/heap.py), and the collector still frees the cycles the work itself makes."""

from __future__ import annotations

import gc
import io
import threading

import pytest

from store.heap import older_objects_frozen
from store.records.imports import import_csv


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_heap_is_frozen_inside_and_handed_back_after():
    assert gc.get_freeze_count() == 0
    with older_objects_frozen():
        assert gc.get_freeze_count() > 0
        gc.collect()
        made = Cycle()
        del made
        assert gc.collect() >= 1  # a cycle made inside is still freed
    assert gc.get_freeze_count() == 0


def test_the_last_of_overlapping_bulk_operations_unfreezes():
    first_in, second_out = threading.Event(), threading.Event()
    seen = []

    def other():
        with older_objects_frozen():
            first_in.set()
            second_out.wait(5)
        seen.append(gc.get_freeze_count())

    thread = threading.Thread(target=other)
    thread.start()
    first_in.wait(5)
    with older_objects_frozen():
        pass
    seen.append(gc.get_freeze_count())  # the other one is still running
    second_out.set()
    thread.join(5)
    assert seen[0] > 0 and seen[1] == 0


def test_a_heap_the_process_froze_itself_stays_frozen():
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with older_objects_frozen():
            pass
        assert gc.get_freeze_count() >= count > 0
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("database")
def test_an_import_runs_with_the_heap_frozen_and_hands_it_back():
    during = []
    text = "phone,name,crm_id,overall,opted_out_at\n" + "".join(
        f"+1212555{1000 + i:04d},Client {i},,opted_out,\n" for i in range(5))
    import_csv(io.StringIO(text), source_name="t.csv", batch_size=2,
               progress=lambda n: during.append(gc.get_freeze_count()))
    assert during and all(count > 0 for count in during)
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("database")
def test_a_campaign_is_decided_with_the_heap_frozen(monkeypatch):
    from store.messaging import campaigns

    during = []
    consent_of = campaigns._consent_of
    monkeypatch.setattr(campaigns, "_consent_of", lambda e164s: (
        during.append(gc.get_freeze_count()), consent_of(e164s))[1])
    campaigns.create_campaign(name="sale", text="Sale!", recipients=["+12125550100"],
                              actor="crm", fallback_zone="America/New_York")
    assert during and during[0] > 0
    assert gc.get_freeze_count() == 0
