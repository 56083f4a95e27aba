"""`smsprefs classify --eval FILE.csv`: the classifier measured against a labelled corpus.

The corpus (corpus/README.md) has the columns text, intent, scope, category, source. The
report gives precision and recall per intent, how often the scope of a scoped text is right,
the confusion matrix and every miss, and whether the targets of issue 9 are met: a false
opt-out is locked and a missed one breaks the law, so both directions are held to 0.99.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from store.classifier import VERSION, classify
from store.vocabulary import INTENTS, OPT_IN, OPT_OUT

TARGETS = {"opt_out precision": 0.99, "opt_out recall": 0.99, "scope": 0.98}
COLUMNS = ("text", "intent", "scope", "category", "source")


@dataclass(frozen=True)
class Labelled:
    """One text of the corpus, what it asks for, and what the classifier read."""

    line: int
    text: str
    category: str
    gold: tuple[str, str | None]
    read: tuple[str, str | None]
    rule: str

    @property
    def scoped(self) -> bool:
        """Return whether the text tests scope: it names an automation, or widens one."""
        return (self.gold[0] in (OPT_OUT, OPT_IN)
                and (self.gold[1] not in (None, "all") or self.category.startswith("scope")))


@dataclass
class Evaluation:
    """What the classifier got right and wrong on one corpus file."""

    rows: list[Labelled] = field(default_factory=list)

    @property
    def misses(self) -> list[Labelled]:
        return [r for r in self.rows if r.read != r.gold]

    def precision(self, intent: str) -> float:
        said = [r for r in self.rows if r.read[0] == intent]
        return _ratio(sum(r.gold[0] == intent for r in said), len(said))

    def recall(self, intent: str) -> float:
        meant = [r for r in self.rows if r.gold[0] == intent]
        return _ratio(sum(r.read[0] == intent for r in meant), len(meant))

    def scope(self) -> float:
        scoped = [r for r in self.rows if r.scoped]
        return _ratio(sum(r.read == r.gold for r in scoped), len(scoped))

    def scores(self) -> dict[str, float]:
        return {"opt_out precision": self.precision(OPT_OUT),
                "opt_out recall": self.recall(OPT_OUT), "scope": self.scope()}

    def meets_targets(self) -> bool:
        return all(self.scores()[name] >= low for name, low in TARGETS.items())


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


class CorpusError(ValueError):
    """The corpus file cannot be read: say which line and why."""


def evaluate(path: Path) -> Evaluation:
    """Classify every text of the corpus at `path` and compare with its labels."""
    evaluation = Evaluation()
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or ())]
        if missing:
            raise CorpusError(f"{path}: the header lacks {', '.join(missing)} "
                              f"(columns: {', '.join(COLUMNS)})")
        for row in reader:
            intent, scope = row["intent"].strip(), (row["scope"] or "").strip() or None
            if intent not in INTENTS:
                raise CorpusError(f"{path}, line {reader.line_num}: intent {intent!r} is not "
                                  f"one of {', '.join(INTENTS)}")
            result = classify(row["text"] or "")
            evaluation.rows.append(Labelled(
                reader.line_num, row["text"] or "", (row.get("category") or "").strip(),
                (intent, scope), (result.intent, result.scope), result.rule))
    return evaluation


def report(path: Path, evaluation: Evaluation) -> list[str]:
    """Return the lines `smsprefs classify --eval` prints for one corpus file."""
    rows = evaluation.rows
    lines = [f"{path}: {len(rows)} texts, classifier {VERSION}", "",
             f"{'intent':<8} {'precision':>9} {'recall':>7} {'texts':>6}"]
    gold = Counter(r.gold[0] for r in rows)
    for intent in INTENTS:
        lines.append(f"{intent:<8} {evaluation.precision(intent):>9.3f} "
                     f"{evaluation.recall(intent):>7.3f} {gold[intent]:>6}")
    scoped = [r for r in rows if r.scoped]
    right = sum(r.read == r.gold for r in scoped)
    lines += ["", f"scope right on {right} of {len(scoped)} scoped texts "
                  f"({evaluation.scope():.3f})", "", "confusion (rows: labelled, columns: read)",
              f"{'':<8} " + " ".join(f"{i:>7}" for i in INTENTS)]
    pairs = Counter((r.gold[0], r.read[0]) for r in rows)
    for meant in INTENTS:
        lines.append(f"{meant:<8} " + " ".join(f"{pairs[meant, said]:>7}" for said in INTENTS))
    misses = evaluation.misses
    lines += ["", f"misses ({len(misses)}):"]
    for r in misses:
        lines.append(f"  line {r.line} [{r.category}] labelled {_show(r.gold)}, read "
                     f"{_show(r.read)} ({r.rule}): {r.text!r}")
    lines += ["", "targets:"]
    for name, low in TARGETS.items():
        score = evaluation.scores()[name]
        verdict = "met" if score >= low else "MISSED"
        lines.append(f"  {name} {score:.3f} (at least {low}): {verdict}")
    return lines


def _show(reading: tuple[str, str | None]) -> str:
    return reading[0] if reading[1] is None else f"{reading[0]} {reading[1]}"
