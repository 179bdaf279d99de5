"""Template filters of the Meetings pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from accord.meetings.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Markdown notes as sanitised HTML."""
    return render_markdown(text)
