"""Glue between service ValidationErrors and Django forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accord.lib.inputs import record_id


class RecordsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Objects chosen by id. Each value must be an id a database can hold
    before any lookup: Django's field sends "9" * 200 to the database, which
    overflows into a 500."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if record_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super().clean(value)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form field it names.

    Errors for names the form has no field for become form-wide errors, so
    nothing the service said is lost.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
