from django.urls import path

from accord.feedback import views

urlpatterns = [
    path("", views.index, name="feedback_index"),
]
