"""Every email template: subjects and text parts are plain text, HTML parts escaped.

A name such as ``Tom & "Jerry" <O'Brien>`` must reach a subject and a text
part as typed (a mail program shows text as it is, so "&#x27;" would be read
literally), and an HTML part escaped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string

import accord
from accord.feedback.models import FollowUp
from accord.mail.services import text_render

NASTY = 'Tom & "Jerry" <O\'Brien>'
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")


WHEN = dt.datetime(2026, 6, 17, 10, 0, tzinfo=dt.UTC)
DATE_SUFFIXES = ("_at", "_time", "date", "_on", "_start", "_end", "week")
NUMBER_NAMES = ("pk", "id", "_id", "score", "count", "minutes", "votes", "position", "number")


class Anything:
    """Stands for whatever a template reads: every attribute, key and item is
    another Anything (a date or a number where the name says so), calling it
    gives another, and printed it is NASTY."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.endswith(DATE_SUFFIXES):
            return WHEN
        if name in NUMBER_NAMES or name.endswith(NUMBER_NAMES[2:]):
            return 7
        return Anything()

    def __getitem__(self, key: object) -> Any:
        return self.__getattr__(str(key))

    def __call__(self, *args: object, **kwargs: object) -> Anything:
        return Anything()

    def __iter__(self) -> Any:
        # Two items, so a loop that unpacks pairs ("for label, url in ...") works too.
        return iter([Anything(), Anything()])

    def __len__(self) -> int:
        return 2

    def __str__(self) -> str:
        return NASTY


def email_templates() -> list[str]:
    """Every email's template name without its extension, e.g. goals/email/goal_agreement."""
    root = Path(accord.__file__).parent
    names = set()
    for text in root.glob("*/templates/*/email/*.txt"):
        if not text.stem.endswith("_subject"):
            names.add(str(text.relative_to(text.parents[2]).with_suffix("")))
    return sorted(names)


def context() -> dict[str, Any]:
    return {name: Anything().__getattr__(name) for name in CONTEXT_NAMES}


# The names the email templates read at their top level, each standing for anything.
CONTEXT_NAMES = set()
for _name in email_templates():
    for _part in (".txt", "_subject.txt", ".html"):
        _path = Path(accord.__file__).parent.glob(f"*/templates/{_name}{_part}")
        for _file in _path:
            for _piece in _file.read_text().split("{{")[1:] + _file.read_text().split("{%")[1:]:
                _words = _piece.replace("}}", " ").replace("%}", " ").split()
                for _word in _words:
                    _head = _word.split(".")[0].split("|")[0].strip("\"'(),")
                    if _head.isidentifier():
                        CONTEXT_NAMES.add(_head)


def test_it_finds_the_email_templates():
    found = email_templates()
    assert "goals/email/goal_agreement" in found
    assert "orgs/email/invitation" in found
    assert "feedback/email/survey" in found
    assert len(found) >= 10


@pytest.mark.parametrize("name", email_templates())
def test_it_sends_names_as_typed_in_subjects_and_text_and_escaped_in_html(name):
    text = text_render(f"{name}.txt", context())
    parts = [text]
    if list(Path(accord.__file__).parent.glob(f"*/templates/{name}_subject.txt")):
        parts.append(text_render(f"{name}_subject.txt", context()))
    for part in parts:
        assert not [entity for entity in ENTITIES if entity in part], part
    assert any(NASTY in part or NASTY.lower() in part for part in parts), parts
    html = render_to_string(f"{name}.html", context())
    assert NASTY not in html and "<O'Brien>" not in html
    assert "&lt;O&#x27;Brien&gt;" in html or "&lt;o&#x27;brien&gt;" in html


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        (FollowUp.Kind.ADVOCACY, "an advocacy"),
        (FollowUp.Kind.RECOVERY, "a recovery"),
        (FollowUp.Kind.NURTURE, "a nurture"),
    ],
)
def test_it_puts_the_right_article_before_a_follow_up_kind(kind, phrase):
    followup = FollowUp(kind=kind)
    assert followup.kind_with_article == phrase
    overdue = text_render("feedback/email/followup_overdue.txt", {"followup": followup})
    assert f"{phrase.capitalize()} follow-up" in overdue
