"""WSGI entry point for gunicorn: ``gunicorn accord.wsgi``."""

import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

application = get_wsgi_application()


def _build_api_schema() -> None:
    from accord.api import api

    api.get_openapi_schema()


# The API docs page needs the OpenAPI schema, which takes seconds to build:
# build it now, beside the first requests, rather than on the first visit.
threading.Thread(target=_build_api_schema, name="openapi-schema", daemon=True).start()
