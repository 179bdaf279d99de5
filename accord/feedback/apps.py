from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "accord.feedback"
    label = "feedback"

    def ready(self) -> None:
        from accord.feedback import jobs, themes  # noqa: F401  (register the app's jobs)
        from accord.feedback.selectors import goal_metric_values, metric_series
        from accord.goals.metrics import register_metric_series, register_metric_source

        register_metric_source("feedback", goal_metric_values)
        register_metric_series("feedback", metric_series)

        from accord.feedback.services import RESPONSE_MAPPING_FIELDS, RESPONSES_MAPPING
        from accord.pipeline.mappings import mapping_kind_register

        # Saved column mappings of survey responses live beside the pipeline's.
        mapping_kind_register(RESPONSES_MAPPING, RESPONSE_MAPPING_FIELDS)

        from django.db.models.signals import post_delete, post_save

        from accord.feedback import rollups
        from accord.feedback.models import Response

        # Older months' rollups are marked stale when their answers change.
        post_save.connect(
            rollups.response_saved, sender=Response, dispatch_uid="rollup_response_saved"
        )
        post_delete.connect(
            rollups.response_deleted, sender=Response, dispatch_uid="rollup_response_deleted"
        )

        from accord.feedback import counts
        from accord.feedback.models import Recipient

        # Recipients created, saved or deleted one by one move their campaign's
        # counts and their day of sending; the services' bulk and UPDATE paths
        # move them themselves (accord.feedback.counts).
        post_save.connect(
            counts.recipient_saved, sender=Recipient, dispatch_uid="counts_recipient_saved"
        )
        post_delete.connect(
            counts.recipient_deleted, sender=Recipient, dispatch_uid="counts_recipient_deleted"
        )

        from accord.orgs.jobs import on_time_zone_change

        # Months are the organisation's: a new time zone files them again.
        on_time_zone_change(jobs.time_zone_changed)
