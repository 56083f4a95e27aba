"""The corpus (corpus/): `smsprefs classify --eval` meets issue 9's targets on both parts,
the development part and the held-back part, or the build fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.evaluation import TARGETS, evaluate

CORPUS = Path(__file__).resolve().parents[3] / "corpus"


@pytest.mark.parametrize("part", ["dev.csv", "holdout.csv"])
def test_the_classifier_meets_its_targets_on_the_corpus(part):
    result = CliRunner().invoke(main, ["classify", "--eval", str(CORPUS / part)])
    assert "targets:" in result.output, result.output
    assert result.exit_code == 0, result.output[-3000:]


def test_the_corpus_is_as_large_and_varied_as_promised():
    rows = [r for part in ("dev.csv", "holdout.csv") for r in evaluate(CORPUS / part).rows]
    assert len(rows) >= 600
    assert sum(r.category.startswith(("hard_negative", "typo_lookalike")) for r in rows) >= 150
    assert sum(r.category.startswith(("spanish", "spanglish")) for r in rows) >= 100
    assert sum(r.scoped for r in rows) >= 100


def test_a_missed_target_fails_the_command(tmp_path):
    corpus = tmp_path / "wrong.csv"
    corpus.write_text("text,intent,scope,category,source\nSTOP,none,,keyword,test\n"
                      "hello,opt_out,all,ordinary,test\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "--eval", str(corpus)])
    assert result.exit_code == 1
    assert "MISSED" in result.output and "misses (2)" in result.output
    for name in TARGETS:
        assert f"  {name} " in result.output


def test_a_malformed_corpus_is_a_clear_error(tmp_path):
    corpus = tmp_path / "bad.csv"
    corpus.write_text("text,intent\nSTOP,opt_out\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "--eval", str(corpus)])
    assert result.exit_code == 2 and "the header lacks scope" in result.output
    corpus.write_text("text,intent,scope\nSTOP,maybe,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "--eval", str(corpus)])
    assert result.exit_code == 2 and "line 2: intent 'maybe' is not one of" in result.output
