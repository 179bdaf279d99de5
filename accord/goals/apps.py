from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "accord.goals"
    label = "goals"

    def ready(self) -> None:
        from accord.goals import jobs  # noqa: F401  (registers the app's jobs)
