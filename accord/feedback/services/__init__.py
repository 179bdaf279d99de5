"""Writes for customer feedback, one module per subject: settings and surveys,
campaigns and recipients, the public side (links, responses, opt-out),
follow-ups, themes and imports of past responses. Import from here.

Services acting for a member take that ``membership`` and check the matrix.
"""

from accord.feedback.services.campaigns import (
    RECIPIENT_COLUMNS,
    RecipientRow,
    RecipientsAdded,
    campaign_create,
    campaign_send,
    recipient_rows_from_csv,
    recipients_add_contacts,
    recipients_add_csv,
)
from accord.feedback.services.common import (
    COMMENT_MAX_LENGTH,
    HEX_COLOUR,
    AlreadyRecorded,
    LinkExpired,
)
from accord.feedback.services.followups import (
    add_business_days,
    followup_open_for,
    followup_update,
)
from accord.feedback.services.imports import (
    DELIGHTED_COLUMNS,
    GENERIC_COLUMNS,
    ImportResult,
    import_rows,
    responses_import,
)
from accord.feedback.services.responses import (
    LINK_FIELDS,
    Link,
    Recorded,
    contact_opt_out,
    followups_queue,
    link_for_token,
    month_of,
    rate_count_sql,
    rate_counters_forget,
    recipient_opened,
    response_errors,
    response_process,
    response_record,
    response_record_counted,
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
    "DELIGHTED_COLUMNS",
    "GENERIC_COLUMNS",
    "HEX_COLOUR",
    "LINK_FIELDS",
    "LOGO_MAX_BYTES",
    "LOGO_TYPES",
    "RECIPIENT_COLUMNS",
    "AlreadyRecorded",
    "ImportResult",
    "Link",
    "LinkExpired",
    "RecipientRow",
    "RecipientsAdded",
    "Recorded",
    "add_business_days",
    "campaign_create",
    "campaign_send",
    "contact_opt_out",
    "feedback_settings",
    "feedback_settings_update",
    "followup_open_for",
    "followup_update",
    "followups_queue",
    "import_rows",
    "link_for_token",
    "month_of",
    "rate_count_sql",
    "rate_counters_forget",
    "recipient_opened",
    "recipient_rows_from_csv",
    "recipients_add_contacts",
    "recipients_add_csv",
    "response_errors",
    "response_process",
    "response_record",
    "response_record_counted",
    "responses_import",
    "survey_anonymous_link",
    "survey_create",
    "survey_update",
    "survey_url",
    "testimonial_save",
    "theme_merge",
    "theme_update",
]
