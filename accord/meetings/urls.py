from django.urls import path

from accord.meetings import views

urlpatterns = [
    path("", views.index, name="meetings_index"),
    path("series/new/", views.series_create, name="meetings_series_create"),
    path("series/<int:pk>/", views.series_detail, name="meetings_series"),
    path("series/<int:pk>/edit/", views.series_edit, name="meetings_series_edit"),
    path("series/<int:pk>/cancel/", views.series_cancel, name="meetings_series_cancel"),
    path("m/<int:pk>/", views.occurrence_detail, name="meetings_occurrence"),
    path("m/<int:pk>/live/", views.occurrence_live, name="meetings_occurrence_live"),
    path("m/<int:pk>/move/", views.occurrence_move, name="meetings_occurrence_move"),
    path("m/<int:pk>/cancel/", views.occurrence_cancel, name="meetings_occurrence_cancel"),
    path("m/<int:pk>/close/", views.occurrence_close, name="meetings_occurrence_close"),
    path("m/<int:pk>/build/", views.occurrence_build, name="meetings_occurrence_build"),
    path("m/<int:pk>/items/", views.item_add, name="meetings_item_add"),
    path("m/<int:pk>/actions/", views.action_create, name="meetings_action_create"),
    path("m/<int:pk>/attendance/", views.attendance, name="meetings_attendance"),
    path("m/<int:pk>/rate/", views.rate, name="meetings_rate"),
    path("items/<int:pk>/", views.item_edit, name="meetings_item_edit"),
    path("items/<int:pk>/remove/", views.item_remove, name="meetings_item_remove"),
    path("items/<int:pk>/move/", views.item_move, name="meetings_item_move"),
    path("actions/", views.action_items, name="meetings_action_items"),
    path("actions/<int:pk>/done/", views.action_done, name="meetings_action_done"),
    path("issues/", views.issues, name="meetings_issues"),
    path("issues/<int:pk>/", views.issue_detail, name="meetings_issue"),
    path("issues/<int:pk>/vote/", views.issue_vote, name="meetings_issue_vote"),
    path("issues/<int:pk>/agenda/", views.issue_agenda, name="meetings_issue_agenda"),
    path("issues/<int:pk>/solve/", views.issue_solve, name="meetings_issue_solve"),
    path("calendar/", views.calendar, name="meetings_calendar"),
    path("digest/", views.digest_settings, name="meetings_digest"),
]
