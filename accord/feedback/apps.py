from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "accord.feedback"
    label = "feedback"

    def ready(self) -> None:
        from accord.feedback import jobs, themes  # noqa: F401  (register the app's jobs)
        from accord.feedback.selectors import goal_metric_values
        from accord.goals.metrics import register_metric_source

        register_metric_source("feedback", goal_metric_values)
