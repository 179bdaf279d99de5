from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "accord.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from accord.goals.metrics import register_metric_source
        from accord.pipeline import jobs  # noqa: F401  (registers the app's jobs)
        from accord.pipeline.selectors import goal_metric_values

        register_metric_source("pipeline", goal_metric_values)
