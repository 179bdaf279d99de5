"""Which migrations need care during an upgrade, and the list in docs/operations.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.db import migrations, models

from accord.cli.upgrades import cautions, operation_caution

OPERATIONS_DOC = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_it_lets_new_tables_and_optional_columns_run_live():
    created: set[str] = set()
    new_table = migrations.CreateModel(
        name="Rollup", fields=[("id", models.BigAutoField(primary_key=True))]
    )
    index_on_new_table = migrations.AddIndex(
        model_name="rollup", index=models.Index(fields=["id"], name="rollup_id")
    )
    nullable = migrations.AddField(
        model_name="lead", name="note", field=models.TextField(null=True)
    )
    with_db_default = migrations.AddField(
        model_name="lead", name="score", field=models.IntegerField(db_default=0)
    )

    assert operation_caution(new_table, created) is None
    assert operation_caution(index_on_new_table, created) is None
    assert operation_caution(nullable, created) is None
    assert operation_caution(with_db_default, created) is None


def test_it_names_what_the_old_code_or_a_big_table_would_suffer():
    required = migrations.AddField(
        model_name="lead", name="score", field=models.IntegerField(default=0)
    )
    index = migrations.AddIndex(
        model_name="lead", index=models.Index(fields=["id"], name="lead_id")
    )
    removed = migrations.RemoveField(model_name="lead", name="note")
    data = migrations.RunPython(migrations.RunPython.noop)

    assert "required column lead.score" in str(operation_caution(required, set()))
    assert "builds an index on lead" in str(operation_caution(index, set()))
    assert "removes the column lead.note" in str(operation_caution(removed, set()))
    assert "runs code over existing rows" in str(operation_caution(data, set()))


def test_it_lists_the_index_migration_of_the_lead_window():
    listed = {f"{caution.app}.{caution.name}": caution.reasons for caution in cautions()}

    assert "builds an index on lead" in "; ".join(
        listed["pipeline.0006_lead_and_breach_window_indexes"]
    )
    assert "accounts.0001_initial" not in listed


def test_it_keeps_the_operations_guide_in_step_with_the_migrations():
    finished = subprocess.run(
        [sys.executable, "-m", "accord.cli.upgrades", "--check", str(OPERATIONS_DOC)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert "pipeline.0006_lead_and_breach_window_indexes" in OPERATIONS_DOC.read_text()
