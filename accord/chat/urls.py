"""Chat settings, mounted at /o/<org_slug>/settings/chat/."""

from django.urls import path

from accord.chat import views

urlpatterns = [
    path("", views.channels, name="chat_channels"),
    path("<int:pk>/", views.channel_edit, name="chat_channel_edit"),
    path("<int:pk>/toggle/", views.channel_toggle, name="chat_channel_toggle"),
    path("<int:pk>/delete/", views.channel_delete, name="chat_channel_delete"),
    path("<int:pk>/test/", views.channel_test, name="chat_channel_test"),
    path("messages/<int:pk>/retry/", views.message_retry, name="chat_message_retry"),
]
