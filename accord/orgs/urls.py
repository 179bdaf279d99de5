"""The organisation's own pages, under /o/<org_slug>/ (the apps' sections are
mounted beside them in ``accord/urls.py``)."""

from django.urls import path

from accord.orgs import views

urlpatterns = [
    path("settings/", views.org_settings, name="org_settings"),
    path("members/", views.members, name="org_members"),
    path("members/<int:pk>/role/", views.member_change_role, name="org_member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="org_member_remove"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="org_invitation_revoke"),
    path("teams/new/", views.team_create, name="org_team_create"),
    path("tokens/", views.api_tokens, name="org_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="org_token_revoke"),
    path("audit/", views.audit_log, name="org_audit"),
    path("outbox/", views.outbox, name="org_outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="org_outbox_message"),
    path("jobs/", views.dead_jobs, name="org_jobs"),
    path("jobs/<int:pk>/retry/", views.dead_job_retry, name="org_job_retry"),
]
