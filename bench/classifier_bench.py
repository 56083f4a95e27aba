"""Measure classify() on texts of SMS length, as every inbound webhook runs it.

    .venv/bin/python bench/classifier_bench.py [--rounds 2000]

Texts come from the development corpus (corpus/dev.csv), cut or repeated to 160 characters,
plus the shortest reply there is (STOP). Prints the median and 95th percentile per text, in
microseconds, of a pure classify() call (no database), best of three runs.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from store.classifier import VERSION, classify

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "dev.csv"


def texts(length: int = 160, *, intent: str | None = None) -> list[str]:
    """Return corpus texts (of one intent, or all) made exactly `length` characters long."""
    with CORPUS.open(newline="", encoding="utf-8") as stream:
        rows = [r["text"] for r in csv.DictReader(stream)
                if r["text"].strip() and intent in (None, r["intent"])]
    return [((t + " ") * (length // (len(t) + 1) + 1))[:length] for t in rows][:400]


def measure(samples: list[str], rounds: int) -> list[float]:
    """Return the seconds each call took, over `rounds` calls cycling through `samples`."""
    for text in samples:  # warm the caches a long-running worker has warm
        classify(text)
    times = []
    for k in range(rounds):
        text = samples[k % len(samples)]
        start = time.perf_counter()
        classify(text)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4000)
    args = parser.parse_args()
    print(f"classifier {VERSION}, corpus texts repeated or cut to 160 characters")
    print("| texts | median µs | p95 µs |")
    print("|---|---:|---:|")
    cases = (("160 characters, any intent", texts()),
             ("160 characters, ordinary replies (none)", texts(intent="none")),
             ("STOP", ["STOP"]))
    for label, samples in cases:
        runs = [sorted(measure(samples, args.rounds)) for _ in range(3)]
        best = min(runs, key=statistics.median)
        p95 = best[int(len(best) * 0.95)]
        print(f"| {label} | {statistics.median(best) * 1e6:.0f} | {p95 * 1e6:.0f} |")


if __name__ == "__main__":
    main()
