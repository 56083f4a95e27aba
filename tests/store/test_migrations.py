"""The migrations build exactly the schema the models declare, and run again harmlessly."""

from __future__ import annotations

import pytest
from playhouse.schema_diff import diff_models

from store.db import db, migrate, pending
from store.models import MODELS

pytestmark = pytest.mark.usefixtures("database")


def test_migrated_schema_matches_the_models():
    assert str(diff_models(db.obj, MODELS)) == ""


def test_migrate_is_safe_to_run_again_and_again():
    assert pending() == []
    assert migrate() == []
    assert migrate() == []
