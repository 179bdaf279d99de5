"""Writes for customer feedback, one module per subject: settings and surveys,
campaigns and recipients, the public side (links, responses, opt-out),
follow-ups, themes and imports of past responses (read by
``accord.feedback.importer``). Import from here.

Services acting for a member take that ``membership`` and check the matrix.
"""

from accord.feedback.selectors import RESPONSES_MAPPING
from accord.feedback.services.campaigns import (
    RECIPIENT_COLUMNS,
    RecipientRow,
    RecipientsAdded,
    campaign_create,
    campaign_send,
    recipient_rows_from_csv,
    recipients_header_check,
    recipients_import_contacts,
    recipients_import_csv,
    recipients_import_run,
)
from accord.feedback.services.common import (
    COMMENT_MAX_LENGTH,
    HEX_COLOUR,
    AlreadyRecorded,
    LinkExpired,
)
from accord.feedback.services.followups import (
    NOTE_MAX_LENGTH,
    followup_action_record,
    followup_note_add,
    followup_open_for,
    followup_update,
)
from accord.feedback.services.imports import (
    RESPONSE_FIELD_LABELS,
    RESPONSE_FORMAT_LABELS,
    RESPONSE_FORMATS,
    RESPONSE_MAPPING_FIELDS,
    ImportResult,
    response_mapping_save,
    responses_import,
)
from accord.feedback.services.months import response_months_refile
from accord.feedback.services.responses import (
    LINK_FIELDS,
    Link,
    RateLimited,
    contact_opt_out,
    link_for_token,
    month_of,
    rate_count,
    rate_counters_forget,
    recipient_opened,
    response_errors,
    response_process,
    response_record,
)
from accord.feedback.services.surveys import (
    LOGO_MAX_BYTES,
    LOGO_TYPES,
    feedback_settings,
    feedback_settings_update,
    survey_anonymous_link,
    survey_create,
    survey_update,
    survey_url,
)
from accord.feedback.services.themes import (
    testimonial_save,
    theme_merge,
    theme_update,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "HEX_COLOUR",
    "LINK_FIELDS",
    "LOGO_MAX_BYTES",
    "LOGO_TYPES",
    "NOTE_MAX_LENGTH",
    "RECIPIENT_COLUMNS",
    "RESPONSES_MAPPING",
    "RESPONSE_FIELD_LABELS",
    "RESPONSE_FORMATS",
    "RESPONSE_FORMAT_LABELS",
    "RESPONSE_MAPPING_FIELDS",
    "AlreadyRecorded",
    "ImportResult",
    "Link",
    "LinkExpired",
    "RateLimited",
    "RecipientRow",
    "RecipientsAdded",
    "campaign_create",
    "campaign_send",
    "contact_opt_out",
    "feedback_settings",
    "feedback_settings_update",
    "followup_action_record",
    "followup_note_add",
    "followup_open_for",
    "followup_update",
    "link_for_token",
    "month_of",
    "rate_count",
    "rate_counters_forget",
    "recipient_opened",
    "recipient_rows_from_csv",
    "recipients_header_check",
    "recipients_import_contacts",
    "recipients_import_csv",
    "recipients_import_run",
    "response_errors",
    "response_mapping_save",
    "response_months_refile",
    "response_process",
    "response_record",
    "responses_import",
    "survey_anonymous_link",
    "survey_create",
    "survey_update",
    "survey_url",
    "testimonial_save",
    "theme_merge",
    "theme_update",
]
