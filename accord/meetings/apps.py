from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "accord.meetings"
    label = "meetings"

    def ready(self) -> None:
        from accord.goals.metrics import register_metric_series, register_metric_source
        from accord.meetings import jobs  # noqa: F401  (registers the app's jobs)
        from accord.meetings.builtin_sources import register_builtin_sources
        from accord.meetings.selectors import metric_series, metric_values

        register_builtin_sources()
        register_metric_source("meetings", metric_values)
        register_metric_series("meetings", metric_series)

        from accord.meetings.services import daily_run_ensure
        from accord.orgs.services import organization_chain

        # Each organisation's daily run (action-item alerts, the digests).
        organization_chain(daily_run_ensure)
