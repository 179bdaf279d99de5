"""Organisation-scoped URLs; all of them live under /o/<org_slug>/."""

from django.urls import include, path

from accord.jobs import views as job_views
from accord.mail import views as mail_views
from accord.orgs import views

urlpatterns = [
    path("", views.overview, name="org_overview"),
    path("settings/", views.org_settings, name="org_settings"),
    path("members/", views.members, name="org_members"),
    path("members/<int:pk>/role/", views.member_change_role, name="org_member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="org_member_remove"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="org_invitation_revoke"),
    path("teams/new/", views.team_create, name="org_team_create"),
    path("tokens/", views.api_tokens, name="org_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="org_token_revoke"),
    path("audit/", views.audit_log, name="org_audit"),
    path("outbox/", mail_views.outbox, name="org_outbox"),
    path("outbox/<int:pk>/", mail_views.outbox_message, name="org_outbox_message"),
    path("jobs/", job_views.dead_jobs, name="org_jobs"),
    path("jobs/<int:pk>/retry/", job_views.dead_job_retry, name="org_job_retry"),
    path("goals/", include("accord.goals.urls")),
    path("customers/", include("accord.feedback.urls")),
    path("meetings/", include("accord.meetings.urls")),
    path("pulse/", include("accord.pulse.urls")),
    path("pipeline/", include("accord.pipeline.urls")),
    path("insights/", include("accord.insights.urls")),
]
