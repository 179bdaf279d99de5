from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "accord.pulse"
    label = "pulse"

    def ready(self) -> None:
        from accord.goals.metrics import register_metric_series, register_metric_source
        from accord.pulse import jobs  # noqa: F401  (registers the app's jobs)
        from accord.pulse.selectors import goal_metric_values, metric_series

        register_metric_source("pulse", goal_metric_values)
        register_metric_series("pulse", metric_series)

        from accord.orgs.services import organization_chain
        from accord.pulse.services import schedule_ensure

        # Each organisation's chain of pulse checks (opening and closing cycles).
        organization_chain(schedule_ensure)
