from django.urls import include, path

from accord.api import api
from accord.meetings import views as meeting_views
from accord.orgs import views as org_views

urlpatterns = [
    path("", org_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("new/", org_views.org_create, name="org_create"),
    path("invitations/<str:token>/", org_views.invitation_accept, name="invitation_accept"),
    path("o/<slug:org_slug>/", include("accord.orgs.urls")),
    path("s/", include("accord.feedback.public_urls")),
    path("cal/<str:token>.ics", meeting_views.calendar_feed, name="meetings_feed"),
    path("api/v1/", api.urls),
]
