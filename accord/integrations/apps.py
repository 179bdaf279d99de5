from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Connections to outside systems: the CRM sync (HubSpot, Salesforce).

    It feeds the pipeline through the pipeline's importer; the pipeline never
    imports it. The connection model itself stays in the pipeline app.
    """

    name = "accord.integrations"
    label = "integrations"

    def ready(self) -> None:
        from accord.integrations import jobs  # noqa: F401  (registers the app's jobs)
