from django.urls import include, path

from accord.api import api
from accord.chat import urls as chat_urls
from accord.feedback import public_urls as feedback_public_urls
from accord.feedback import urls as feedback_urls
from accord.goals import urls as goals_urls
from accord.insights import urls as insights_urls
from accord.insights import views as insights_views
from accord.integrations import urls as integrations_urls
from accord.jobs import urls as jobs_urls
from accord.meetings import urls as meetings_urls
from accord.meetings import views as meeting_views
from accord.orgs import urls as org_urls
from accord.orgs import views as org_views
from accord.pipeline import urls as pipeline_urls
from accord.pulse import urls as pulse_urls

# Every organisation-scoped page lives under /o/<org_slug>/.
ORG = "o/<slug:org_slug>/"

urlpatterns = [
    path("", org_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("new/", org_views.org_create, name="org_create"),
    # A person's organisations side by side: no organisation in the path.
    path("portfolio/", insights_views.portfolio, name="portfolio"),
    path("invitations/<str:token>/", org_views.invitation_accept, name="invitation_accept"),
    # The organisation's home, the Overview, reads every app: it lives in insights.
    path(ORG, insights_views.overview, name="org_overview"),
    path(ORG, include(org_urls)),
    path(f"{ORG}settings/chat/", include(chat_urls)),
    path(f"{ORG}goals/", include(goals_urls)),
    path(f"{ORG}customers/", include(feedback_urls)),
    path(f"{ORG}meetings/", include(meetings_urls)),
    path(f"{ORG}pulse/", include(pulse_urls)),
    path(f"{ORG}pipeline/", include(pipeline_urls)),
    path(f"{ORG}pipeline/crm/", include(integrations_urls)),
    path(f"{ORG}insights/", include(insights_urls)),
    path("instance/jobs/", include(jobs_urls)),
    path("s/", include(feedback_public_urls)),
    path("cal/<str:token>.ics", meeting_views.calendar_feed, name="meetings_feed"),
    path("digest/<str:token>/off", meeting_views.digest_off, name="meetings_digest_off"),
    path("api/v1/", api.urls),
]

# An unreachable database answers 503 with a clear message, not a 500.
handler500 = "accord.lib.outage.server_error"
