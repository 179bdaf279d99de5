from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "accord.orgs"
    label = "orgs"

    def ready(self) -> None:
        from accord.orgs import jobs  # noqa: F401  (registers the app's jobs)
