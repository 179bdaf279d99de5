from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "accord.insights"
    label = "insights"

    def ready(self) -> None:
        from accord.insights import delivery  # noqa: F401  (registers the quarter-end job)
