"""Writes of the Meetings section, one module per subject: series, occurrences,
invitations and feeds (``series``), agendas (``agenda``), the meeting itself
(``live``) and the issues list (``issues``). Import from here.
"""

from accord.meetings.services.agenda import (
    agenda_build,
    agenda_item_add,
    agenda_item_remove,
    agenda_item_update,
    agenda_reorder,
    carry_over,
    previous_occurrence,
)
from accord.meetings.services.common import StaleEdit
from accord.meetings.services.issues import (
    ActionItemSpec,
    issue_put_on_agenda,
    issue_raise,
    issue_solve,
    issue_unvote,
    issue_vote,
)
from accord.meetings.services.live import (
    Verdict,
    action_item_create,
    action_item_update,
    attendance_set,
    occurrence_close,
    rating_set,
    verdict,
)
from accord.meetings.services.series import (
    NewFeed,
    calendar_feed_authenticate,
    calendar_feed_create,
    calendar_feed_revoke,
    next_occurrence,
    occurrence_cancel,
    occurrence_move,
    occurrences_sync,
    schedule_agenda,
    series_cancel,
    series_create,
    series_update,
    series_warnings,
)

__all__ = [
    "ActionItemSpec",
    "NewFeed",
    "StaleEdit",
    "Verdict",
    "action_item_create",
    "action_item_update",
    "agenda_build",
    "agenda_item_add",
    "agenda_item_remove",
    "agenda_item_update",
    "agenda_reorder",
    "attendance_set",
    "calendar_feed_authenticate",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "carry_over",
    "issue_put_on_agenda",
    "issue_raise",
    "issue_solve",
    "issue_unvote",
    "issue_vote",
    "next_occurrence",
    "occurrence_cancel",
    "occurrence_close",
    "occurrence_move",
    "occurrences_sync",
    "previous_occurrence",
    "rating_set",
    "schedule_agenda",
    "series_cancel",
    "series_create",
    "series_update",
    "series_warnings",
    "verdict",
]
