from django.urls import path

from accord.feedback import views

urlpatterns = [
    path("", views.index, name="feedback_index"),
    path("nps.csv", views.nps_export, name="feedback_nps_export"),
    path("surveys/", views.surveys, name="feedback_surveys"),
    path("surveys/<int:pk>/", views.survey_detail, name="feedback_survey"),
    path(
        "surveys/<int:pk>/anonymous-link/", views.survey_anonymous, name="feedback_survey_anonymous"
    ),
    path("campaigns/", views.campaigns, name="feedback_campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="feedback_campaign"),
    path("campaigns/<int:pk>/send/", views.campaign_send, name="feedback_campaign_send"),
    path(
        "campaigns/<int:pk>/imports/<int:import_pk>/",
        views.recipient_import,
        name="feedback_recipient_import",
    ),
    path("responses/", views.responses, name="feedback_responses"),
    path("responses/<int:pk>/testimonial/", views.testimonial, name="feedback_testimonial"),
    path("followups/", views.followups, name="feedback_followups"),
    path("followups/<int:pk>/", views.followup_detail, name="feedback_followup"),
    path("themes/", views.themes, name="feedback_themes"),
    path("themes/<int:pk>/", views.theme_detail, name="feedback_theme"),
    path("import/", views.import_responses, name="feedback_import"),
    path("settings/", views.feedback_settings, name="feedback_settings"),
]
