"""Forms of Insights."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.insights.health import MAX_WEIGHT, PARTS


class HealthWeightsForm(forms.Form):
    """One whole number 0-10 per part of alignment health."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for part in PARTS:
            self.fields[part.key] = forms.IntegerField(
                label=part.name,
                min_value=0,
                max_value=MAX_WEIGHT,
                help_text=f"Default {part.default_weight}; 0 leaves the part out.",
            )
