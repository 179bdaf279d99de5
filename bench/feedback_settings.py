"""Settings for bench/feedback_public_post.py: Accord plus one bare view, and a
per-address rate limit the load generator (one address) does not trip."""

from accord.settings import *  # noqa: F403

ROOT_URLCONF = "bench.feedback_urls"
ACCORD_SURVEY_RATE_PER_ADDRESS = 10**9
DEBUG = False
