from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "accord.insights"
    label = "insights"

    def ready(self) -> None:
        # Registers the quarter-end job and the rollups refresh.
        from accord.insights import delivery, rollups  # noqa: F401
        from accord.orgs.services import organization_chain

        # Each organisation's quarter-end report job.
        organization_chain(delivery.report_schedule_ensure)
