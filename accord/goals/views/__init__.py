"""Pages of the Goals section, one module per subject. ``urls.py`` imports from here."""

from accord.goals.views.activity import (
    activity,
    activity_goal_create,
    activity_goal_end,
    activity_import,
    activity_log_delete,
)
from accord.goals.views.content import (
    content,
    content_asset,
    content_create,
    content_edit,
    content_import,
    goals_settings,
)
from accord.goals.views.events import (
    event_create,
    event_detail,
    event_signup,
    event_signup_cancel,
    events,
)
from accord.goals.views.goals import (
    goal_answer,
    goal_check_in,
    goal_close,
    goal_create,
    goal_detail,
    goal_edit,
    goal_propose,
    index,
)

__all__ = [
    "activity",
    "activity_goal_create",
    "activity_goal_end",
    "activity_import",
    "activity_log_delete",
    "content",
    "content_asset",
    "content_create",
    "content_edit",
    "content_import",
    "event_create",
    "event_detail",
    "event_signup",
    "event_signup_cancel",
    "events",
    "goal_answer",
    "goal_check_in",
    "goal_close",
    "goal_create",
    "goal_detail",
    "goal_edit",
    "goal_propose",
    "goals_settings",
    "index",
]
