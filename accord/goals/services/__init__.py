"""Writes of the Goals section, one module per subject: goals and their
buy-in (``goals``), activity goals and logs (``activity``), the content
library (``content``) and events (``events``). Import from here.
"""

from accord.goals.services.activity import (
    CSV_COLUMNS,
    CSV_MAX_ROWS,
    activity_goal_create,
    activity_goal_end,
    activity_import_csv,
    activity_log,
    activity_log_delete,
    activity_log_row,
    activity_record_meeting,
    allowed_activities,
)
from accord.goals.services.common import (
    GOAL_FIELDS,
    MATERIAL_FIELDS,
    MAX_VALUE,
    quarter_of,
    today,
)
from accord.goals.services.content import (
    content_asset_create,
    content_asset_update,
    content_usage_import_csv,
    content_usage_log,
)
from accord.goals.services.events import (
    event_create,
    event_signup,
    event_signup_cancel,
    event_slot_add,
)
from accord.goals.services.goals import (
    can_check_in,
    goal_agree,
    goal_check_in,
    goal_close,
    goal_create,
    goal_decline,
    goal_propose,
    goal_update,
    goals_settings_of,
    goals_settings_update,
)
from accord.lib.claimed_time import FIRST_YEAR, LAST_YEAR

__all__ = [
    "CSV_COLUMNS",
    "CSV_MAX_ROWS",
    "FIRST_YEAR",
    "GOAL_FIELDS",
    "LAST_YEAR",
    "MATERIAL_FIELDS",
    "MAX_VALUE",
    "activity_goal_create",
    "activity_goal_end",
    "activity_import_csv",
    "activity_log",
    "activity_log_delete",
    "activity_log_row",
    "activity_record_meeting",
    "allowed_activities",
    "can_check_in",
    "content_asset_create",
    "content_asset_update",
    "content_usage_import_csv",
    "content_usage_log",
    "event_create",
    "event_signup",
    "event_signup_cancel",
    "event_slot_add",
    "goal_agree",
    "goal_check_in",
    "goal_close",
    "goal_create",
    "goal_decline",
    "goal_propose",
    "goal_update",
    "goals_settings_of",
    "goals_settings_update",
    "quarter_of",
    "today",
]
