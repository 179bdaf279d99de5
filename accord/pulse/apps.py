from django.apps import AppConfig


class PulseConfig(AppConfig):
    name = "accord.pulse"
    label = "pulse"

    def ready(self) -> None:
        from accord.goals.metrics import register_metric_source
        from accord.pulse import jobs  # noqa: F401  (registers the app's jobs)
        from accord.pulse.selectors import goal_metric_values

        register_metric_source("pulse", goal_metric_values)
