from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "accord.pipeline"
    label = "pipeline"

    def ready(self) -> None:
        from accord.goals.metrics import register_metric_series, register_metric_source
        from accord.pipeline import jobs
        from accord.pipeline.selectors import goal_metric_values, metric_series

        register_metric_source("pipeline", goal_metric_values)
        register_metric_series("pipeline", metric_series)

        from django.db.models.signals import post_delete, post_save, pre_delete

        from accord.pipeline import opportunity_rollups, rollups
        from accord.pipeline.models import Campaign, Lead, Opportunity, OpportunityTouch, SlaBreach

        # Every change to a lead or a breach marks its month's rollup stale.
        post_save.connect(rollups.lead_saved, sender=Lead, dispatch_uid="rollup_lead_saved")
        post_delete.connect(rollups.lead_deleted, sender=Lead, dispatch_uid="rollup_lead_deleted")
        post_save.connect(
            rollups.breach_changed, sender=SlaBreach, dispatch_uid="rollup_breach_saved"
        )
        post_delete.connect(
            rollups.breach_changed, sender=SlaBreach, dispatch_uid="rollup_breach_deleted"
        )
        # A campaign's new owner moves its leads to another marketer; its
        # deletion takes their marketer and its opportunities' primary campaign.
        post_save.connect(
            rollups.campaign_saved, sender=Campaign, dispatch_uid="rollup_campaign_saved"
        )
        pre_delete.connect(
            rollups.campaign_deleting, sender=Campaign, dispatch_uid="rollup_campaign_deleting"
        )
        # And every change to an opportunity or its touches marks its months
        # (accord.pipeline.opportunity_rollups).
        for signal, receiver, sender, uid in (
            (post_save, opportunity_rollups.opportunity_saved, Opportunity, "opp_saved"),
            (post_delete, opportunity_rollups.opportunity_deleted, Opportunity, "opp_deleted"),
            (post_save, opportunity_rollups.touch_changed, OpportunityTouch, "touch_saved"),
            (post_delete, opportunity_rollups.touch_changed, OpportunityTouch, "touch_deleted"),
        ):
            signal.connect(receiver, sender=sender, dispatch_uid=f"rollup_{uid}")

        from accord.orgs.jobs import on_time_zone_change

        # Months are the organisation's: a new time zone files them again.
        on_time_zone_change(jobs.time_zone_changed)
