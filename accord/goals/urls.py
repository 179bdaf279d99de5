"""Pages of the Goals section, under /o/<org_slug>/goals/."""

from django.urls import path

from accord.goals import views

urlpatterns = [
    path("", views.index, name="goals_index"),
    path("new/", views.goal_create, name="goals_goal_create"),
    path("<int:pk>/", views.goal_detail, name="goals_goal"),
    path("<int:pk>/edit/", views.goal_edit, name="goals_goal_edit"),
    path("<int:pk>/propose/", views.goal_propose, name="goals_goal_propose"),
    path("<int:pk>/agree/", views.goal_answer, {"decision": "agree"}, name="goals_goal_agree"),
    path(
        "<int:pk>/decline/", views.goal_answer, {"decision": "decline"}, name="goals_goal_decline"
    ),
    path("<int:pk>/close/", views.goal_close, name="goals_goal_close"),
    path("<int:pk>/check-in/", views.goal_check_in, name="goals_goal_checkin"),
    path("activity/", views.activity, name="goals_activity"),
    path("activity/new/", views.activity_goal_create, name="goals_activity_goal_create"),
    path("activity/<int:pk>/end/", views.activity_goal_end, name="goals_activity_goal_end"),
    path(
        "activity/logs/<int:pk>/delete/",
        views.activity_log_delete,
        name="goals_activity_log_delete",
    ),
    path("activity/import/", views.activity_import, name="goals_activity_import"),
    path("content/", views.content, name="goals_content"),
    path("content/new/", views.content_create, name="goals_content_create"),
    path("content/import/", views.content_import, name="goals_content_import"),
    path("content/<int:pk>/", views.content_asset, name="goals_content_asset"),
    path("content/<int:pk>/edit/", views.content_edit, name="goals_content_edit"),
    path("settings/", views.goals_settings, name="goals_settings"),
    path("events/", views.events, name="goals_events"),
    path("events/new/", views.event_create, name="goals_event_create"),
    path("events/<int:pk>/", views.event_detail, name="goals_event"),
    path("events/slots/<int:pk>/signup/", views.event_signup, name="goals_event_signup"),
    path(
        "events/signups/<int:pk>/cancel/",
        views.event_signup_cancel,
        name="goals_event_signup_cancel",
    ),
]
