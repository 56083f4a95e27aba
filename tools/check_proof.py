#!/usr/bin/env python3
"""Check a consent record that smsprefs made (`smsprefs proof PHONE --format json`).

    python3 check_proof.py proof.json

Needs only Python 3.8 or later and its standard library; it imports nothing of smsprefs, so a
lawyer or an auditor can run it on a computer that has never seen the dealership's system.
It checks, for every event of the record:

  1. its hash is SHA-256 over its prev_hash, a line feed and its content (the exact text the
     dealership's store hashed when the event was written);
  2. the fields shown by name (the client's text, the actor, the dates...) are the content's;
  3. it is the record's phone, and the events come in the order they were written;

and that the current state the record states is what its events lead to, and that the last
event, when it is the store's last, carries the store's head hash. Prints "ok: ..." and exits
0 when everything holds; otherwise names the first event that does not and exits 1.
"""

import hashlib
import json
import sys

FORMAT = "smsprefs consent record"
HEX = set("0123456789abcdef")


class Bad(Exception):
    """The record does not hold."""


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    try:
        with open(argv[1], encoding="utf-8") as stream:
            record = json.load(stream)
        summary = check(record)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"not a readable record: {exc}")
        return 1
    except Bad as exc:
        print(f"FAILED: {exc}")
        return 1
    print(f"ok: {summary}")
    return 0


def check(record):
    """Return a sentence on what holds; raise Bad naming the first thing that does not."""
    if not isinstance(record, dict) or record.get("record") != FORMAT:
        raise Bad(f'this is not a consent record: no "record": "{FORMAT}"')
    chain, phone, events = record["chain"], record["phone"], record["events"]
    if chain["algorithm"] != "sha256":
        raise Bad(f"unknown algorithm {chain['algorithm']!r}: this checker knows sha256")
    fields = chain["fields"]
    previous_id = 0
    for event in events:
        try:
            check_event(event, fields, phone, previous_id)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            where = event.get("id") if isinstance(event, dict) else "?"
            raise Bad(f"event {where}: malformed ({type(exc).__name__} {exc})") from None
        previous_id = event["id"]
    check_state(record["state"], events)
    store = record["store"]
    if events and store["head_event_id"] is not None:
        last = events[-1]
        if last["id"] > store["head_event_id"] or len(events) > store["events"]:
            raise Bad(f"event {last['id']}: after the store's last event "
                      f"{store['head_event_id']}, or more events than the store held")
        if last["id"] == store["head_event_id"] and last["hash"] != store["head_hash"]:
            raise Bad(f"event {last['id']}: it is the store's last event, but its hash is not "
                      "the store's head hash")
    return (f"{len(events)} events of {phone}, each hash recomputed from its content; the "
            f"state follows from them; the store's head when the record was made "
            f"({record['generated_at']}): event {store['head_event_id']} of "
            f"{store['events']}, hash {store['head_hash']}")


def check_event(event, fields, phone, previous_id):
    """Raise Bad naming `event` when its hash, content or place does not hold."""
    name = f"event {event.get('id')}"
    if not isinstance(event.get("id"), int) or event["id"] <= previous_id:
        raise Bad(f"{name}: not in the order events are written (after event {previous_id})")
    prev_hash, stored = event.get("prev_hash"), event.get("hash")
    for label, value in (("prev_hash", prev_hash), ("hash", stored)):
        if not (isinstance(value, str) and len(value) == 64 and set(value) <= HEX):
            raise Bad(f"{name}: its {label} is not 64 hex digits ({value!r}): "
                      "a row written by hand, outside smsprefs")
    content = event["content"]
    digest = hashlib.sha256(prev_hash.encode("ascii") + b"\n"
                            + content.encode("utf-8")).hexdigest()
    if digest != stored:
        raise Bad(f"{name}: its hash does not match its content and prev_hash "
                  "(the event was changed after it was hashed)")
    values = json.loads(content)
    if not isinstance(values, list) or len(values) != len(fields):
        raise Bad(f"{name}: its content does not hold the {len(fields)} fields of the chain")
    for field, value in zip(fields, values):  # noqa: B905 (3.8; lengths checked)
        if event.get(field, "(missing)") != value:
            raise Bad(f"{name}: {field} says {event.get(field, '(missing)')!r}, but the "
                      f"hashed content says {value!r}")
    if event["phone"] != phone:
        raise Bad(f"{name}: it is an event of {event['phone']}, not of {phone}")


def check_state(state, events):
    """Raise Bad when the state is not what replaying the applied events gives."""
    expected = {"overall": ("unknown", "default")}
    carrier = "clear"
    for event in events:
        if event["outcome"] != "applied" or event["scope"] == "review":
            continue
        if event["scope"] == "carrier":
            carrier = event["new_state"]
        else:
            expected[event["scope"]] = (event["new_state"], event["source"], event["id"])
    stated = {"overall": (state["overall"], state["overall_source"])}
    stated.update({name: (s["state"], s["source"]) for name, s in state["automations"].items()})
    for scope, have in stated.items():
        want = expected.get(scope, ("on", "default"))
        if want[:2] != have:
            by = f"event {want[2]}" if len(want) > 2 else "no event"
            raise Bad(f"the state says {scope} is {'/'.join(have)}, but {by} leaves it "
                      f"{'/'.join(want[:2])}")
    if (carrier == "blocked") != state["carrier_blocked"]:
        raise Bad(f"the state says carrier_blocked is {state['carrier_blocked']}, but the "
                  f"carrier events leave it {carrier}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (KeyError, TypeError, AttributeError) as exc:  # a field missing or of a wrong type
        print(f"not a well-formed record: {type(exc).__name__} {exc}")
        sys.exit(1)
