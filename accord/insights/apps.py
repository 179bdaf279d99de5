from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "accord.insights"
    label = "insights"

    def ready(self) -> None:
        # Registers the quarter-end job and the rollups refresh.
        from accord.insights import delivery, rollups  # noqa: F401
