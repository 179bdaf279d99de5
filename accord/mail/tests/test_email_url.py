"""EMAIL_URL: one variable names the SMTP server; without it mail is captured.

Settings are read once per process, so each case starts a fresh ``accord``
process with its own environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings

# Another process reads timestamps this test writes, on the real clock.
pytestmark = pytest.mark.real_clock

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_CAPTURED", "ACCOUNT_EMAIL_VERIFICATION")}))
"""


def run(args: list[str], email_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "ACCOUNT_EMAIL_VERIFICATION")
    }
    env["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    if email_url is not None:
        env["EMAIL_URL"] = email_url
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(email_url: str | None) -> dict[str, Any]:
    done = run(["-c", SHOW_SETTINGS], email_url)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_it_captures_mail_without_email_url():
    config = settings_with(None)

    assert config["EMAIL_BACKEND"] == "accord.mail.backends.CapturingBackend"
    assert config["EMAIL_CAPTURED"] is True
    # A demo instance must not lock new users out waiting for mail that never leaves.
    assert config["ACCOUNT_EMAIL_VERIFICATION"] == "optional"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+tls://accord%40example.com:p%40ss@mail.example.com:587",
            {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False},
        ),
        ("smtp+ssl://mail.example.com:465", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtp://mail.example.com:25", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False}),
    ],
)
def test_it_configures_smtp_from_email_url(url, expected):
    config = settings_with(url)

    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "mail.example.com"
    assert config["EMAIL_CAPTURED"] is False
    assert config["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    assert expected.items() <= config.items()
    if "%40" in url:
        assert config["EMAIL_HOST_USER"] == "accord@example.com"
        assert config["EMAIL_HOST_PASSWORD"] == "p@ss"


def test_it_sends_through_the_server_that_email_url_names(smtp):
    done = run(
        ["-m", "accord", "sendtestemail", "dave@example.com"],
        f"smtp://127.0.0.1:{smtp.port}",
    )

    assert done.returncode == 0, done.stderr
    [(envelope, message)] = smtp.messages
    assert envelope.rcpt_tos == ["dave@example.com"]
    assert message["Subject"].startswith("Test email from")
