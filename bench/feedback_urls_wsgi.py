"""WSGI entry point for the feedback benchmarks (Accord plus the bare view)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.feedback_settings"
application = get_wsgi_application()
