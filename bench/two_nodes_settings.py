"""Settings for bench/two_nodes.py: the survey benchmark's, plus a bare page."""

from bench.feedback_settings import *  # noqa: F403

ROOT_URLCONF = "bench.two_nodes_urls"
