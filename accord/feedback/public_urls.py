"""The public survey, outside /o/ and without login: /s/<token>."""

from django.urls import path

from accord.feedback import public

urlpatterns = [
    path("f/<str:nonce>", public.survey_form, name="survey_form"),
    path("f/<str:nonce>/opened", public.survey_opened, name="survey_opened"),
    path("brand/<int:pk>/style.css", public.survey_style, name="survey_style"),
    path("brand/<int:pk>/logo", public.survey_logo, name="survey_logo"),
    path("<str:token>/unsubscribe", public.survey_unsubscribe, name="survey_unsubscribe"),
    path("<str:token>", public.survey_link, name="survey_link"),
]
