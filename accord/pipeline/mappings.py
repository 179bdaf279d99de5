"""Saved column mappings: which kinds of file they map, and the one rule that
checks a mapping before it is saved or used.

A mapping (``ColumnMapping``) names, for a generic CSV, the file's column each
of Accord's fields is read from. The pipeline's own kinds (leads, contacts,
accounts, opportunities) take their fields from ``import_parsing.FIELDS``;
an app above the pipeline adds a kind of its own with
``mapping_kind_register`` from its ``AppConfig.ready()`` (feedback's survey
responses), so the mappings of every import are saved, listed and checked in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accord.orgs.permissions import Action
from accord.pipeline.models import ColumnMappingKind, ImportKind


@dataclass(frozen=True)
class MappingFields:
    """What a kind's mapping may name, and what it must.

    ``fields``: Accord field -> its label (shown beside the file's columns).
    ``required``: fields a mapping of this kind must map.
    ``one_field_per_column``: a column may feed one field only (a survey
    response's score read twice is a mistake; a lead's id is often its email
    column, so the pipeline's kinds allow it).
    ``action``: the permission needed to save one.
    """

    fields: dict[str, str]
    required: tuple[str, ...] = ()
    one_field_per_column: bool = False
    action: Action = Action.PIPELINE_IMPORT


_KINDS: dict[str, MappingFields] = {}


def mapping_kind_register(kind: str, spec: MappingFields) -> None:
    """Let mappings of ``kind`` (one of ``ColumnMappingKind``) be saved."""
    if kind not in ColumnMappingKind.values:
        raise ValueError(f"{kind!r} is not a ColumnMappingKind.")
    _KINDS[kind] = spec


def mapping_fields(kind: str) -> MappingFields:
    """The fields of a mapping of ``kind``; ValidationError for an unknown kind."""
    from accord.pipeline.import_parsing import FIELDS

    if kind in ImportKind.values:
        return MappingFields(fields=FIELDS[kind])
    if kind in _KINDS:
        return _KINDS[kind]
    known = [k for k in ColumnMappingKind.values if k in ImportKind.values or k in _KINDS]
    raise ValidationError({"kind": f"Choose one of: {', '.join(known)}."})


def mapping_columns_clean(kind: str, columns: dict[str, str]) -> dict[str, str]:
    """``columns`` (field -> the file's column header) trimmed, empty choices
    dropped; ValidationError (key ``columns``) naming the field or the column
    when a field is unknown, a required field has no column, or (for kinds
    that say so) one column is mapped to two fields."""
    spec = mapping_fields(kind)
    cleaned = {f: c.strip() for f, c in columns.items() if c and c.strip()}
    errors: list[str] = []
    unknown = sorted(set(cleaned) - set(spec.fields))
    if unknown:
        errors.append(f"Unknown fields: {', '.join(unknown)}.")
    for field_name in spec.required:
        if field_name not in cleaned:
            errors.append(f"Choose the column for {spec.fields[field_name]}; none is mapped.")
    if spec.one_field_per_column:
        fields_of: dict[str, list[str]] = {}
        for field_name, column in cleaned.items():
            fields_of.setdefault(column.casefold(), []).append(field_name)
        for field_names in fields_of.values():
            if len(field_names) > 1:
                labels = " and ".join(spec.fields.get(f, f) for f in field_names)
                errors.append(
                    f"The column '{cleaned[field_names[0]]}' is mapped twice ({labels}); "
                    "a column feeds one field."
                )
    if errors:
        raise ValidationError({"columns": errors})
    return cleaned
