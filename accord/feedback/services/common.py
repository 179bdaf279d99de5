"""Limits and exceptions shared by the feedback services."""

from __future__ import annotations

import re

# Longest answer kept per question; longer ones are refused with a message,
# the customer's text is shown back to them so nothing is lost.
COMMENT_MAX_LENGTH = 10_000
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class AlreadyRecorded(Exception):
    """The link already has its one response."""


class LinkExpired(Exception):
    """The link's time is up."""
