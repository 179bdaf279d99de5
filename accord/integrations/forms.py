"""Forms of the CRM sync page."""

from __future__ import annotations

from django import forms


class CrmConnectionForm(forms.Form):
    system = forms.ChoiceField(choices=[("hubspot", "HubSpot"), ("salesforce", "Salesforce")])
    secret = forms.CharField(
        label="Token",
        widget=forms.PasswordInput(render_value=False),
        help_text="HubSpot: a private-app access token. Salesforce: an access token "
        "(session id). Stored encrypted; never shown again.",
        max_length=2000,
    )
    instance_url = forms.URLField(
        required=False,
        label="Salesforce instance URL",
        help_text="e.g. https://acme.my.salesforce.com",
        assume_scheme="https",
    )
