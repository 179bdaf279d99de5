"""Customer feedback: three-question NPS surveys, campaigns, responses, the
closed loop of follow-ups, and themes found in what customers wrote.

Every row carries ``organization``; links carry only a hash of their token.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

LANGUAGE_CHOICES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]


class FeedbackSettings(models.Model):
    """An organisation's feedback rules: how often a contact may be asked, how long
    a link lives, when the reminder goes, who partners on the marketing side."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="feedback_settings"
    )
    contact_interval_days = models.PositiveIntegerField(default=90)
    link_lifetime_days = models.PositiveIntegerField(default=60)
    reminder_after_days = models.PositiveIntegerField(default=3)
    followup_due_business_days = models.PositiveIntegerField(default=2)
    # The marketing side of recovery loops; the marketing lead when empty.
    marketing_partner = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nurture_passives = models.BooleanField(default=False)
    # When a themes update was last queued: new comments queue at most one per ten minutes.
    themes_queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Feedback settings of {self.organization}"


class Survey(models.Model):
    """The three questions, branded: name, logo, colour and a thank-you text.

    The questions themselves are fixed (and translated); only the frame changes.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="surveys"
    )
    name = models.CharField(max_length=120)
    brand_name = models.CharField(max_length=120, blank=True)
    # The logo is kept here and served from Accord's own origin, so the strict
    # CSP of the survey page allows it and emails show it without another host.
    logo = models.BinaryField(blank=True, default=b"", editable=True)
    logo_type = models.CharField(max_length=40, blank=True)
    colour = models.CharField(max_length=7, default="#2f5d8a")
    thank_you = models.TextField(blank=True, max_length=2000)
    default_language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    # The anonymous, shareable link: a hash, like every personal link.
    anonymous_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """One survey sent to a list of recipients, with one reminder.

    ``recipient_count``, ``sent_count`` (recipients whose status is sent) and
    ``responded_count`` (recipients who answered) are kept by
    ``accord.feedback.counts`` in the transaction of each change, so the
    campaigns list reads them instead of counting every recipient."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="campaigns"
    )
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    send_requested_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    responded_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A customer we may survey: when we last asked, and whether they opted out."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="feedback_contacts"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    last_surveyed_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="contact_unique_email")
        ]

    def __str__(self) -> str:
        return self.email


class Recipient(models.Model):
    """One person on a campaign's list, and their personal link (hash only).

    The token is drawn when the email is sent, so it exists only in that email.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SKIPPED = "skipped", "Skipped"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        BOUNCED = "bounced", "Bounced on send"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="recipients")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=2, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    account_owner = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The reminder carries a second link to the same single answer.
    reminder_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"], name="recipient_once_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="recipient_campaign_status"),
            # The response rate of a period (a goal's metric) reads its sends only.
            models.Index(fields=["organization", "sent_at"], name="recipient_org_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.campaign})"

    # What the counts saw of this recipient as loaded from the database
    # (None: a new one): a save() that changes it moves the counts
    # (accord.feedback.counts).
    _loaded_counted: Any = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Recipient:
        instance = super().from_db(db, field_names, values)
        loaded = instance.__dict__
        if all(name in loaded for name in COUNTED):
            instance._loaded_counted = tuple(loaded[name] for name in COUNTED)
        return instance


# The fields of a recipient the counts depend on (accord.feedback.counts).
COUNTED = ("campaign_id", "status", "sent_at", "responded_at")


class RecipientImport(models.Model):
    """One adding of recipients to a draft campaign, run by the worker.

    From an uploaded list (``source`` csv: the file is kept in ``data`` until
    the run ends, so a retried job resumes from it) or from the pipeline's
    contacts (``segment`` narrows them). ``rows_done`` is the number of the
    last row whose batch committed: a run done again starts after it. Every
    row read ends in exactly one of added, skipped (surveyed recently, opted
    out, a duplicate, not data) or refused (listed in ``errors``).
    """

    class Source(models.TextChoices):
        CSV = "csv", "Uploaded list"
        PIPELINE = "pipeline", "Pipeline contacts"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=10, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField(blank=True, default=b"")
    file_size = models.PositiveIntegerField(default=0)
    segment = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # An estimate taken when the run starts (lines of the file, contacts
    # matched), for the progress bar only.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    skipped_recent = models.PositiveIntegerField(default=0)
    skipped_opted_out = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Rows that are not data")
    refused = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "status"], name="recipient_import_campaign"),
        ]

    def __str__(self) -> str:
        return f"Recipients for {self.campaign} ({self.get_source_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        # The total is an estimate: never show a running import as finished.
        return min(99, int(100 * self.rows_done / self.rows_total))


class RecipientImportError(models.Model):
    """A refused row of a recipients import: its number and why."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    run = models.ForeignKey(RecipientImport, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(help_text="1 is the header; data starts at 2")
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


class Response(models.Model):
    """One answer to the three questions.

    ``recipient`` is unique: a personal link stores exactly one response, and
    the database, not the code, enforces it. ``month`` (the first day of the
    response's month) is kept so NPS by month is one indexed GROUP BY.
    """

    class Category(models.TextChoices):
        PROMOTER = "promoter", "Promoter"
        PASSIVE = "passive", "Passive"
        DETRACTOR = "detractor", "Detractor"

    class Source(models.TextChoices):
        LINK = "link", "Personal link"
        ANONYMOUS = "anonymous", "Anonymous link"
        IMPORT = "import", "Import"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="responses"
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    recipient = models.OneToOneField(
        Recipient, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)
    score = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=10, choices=Category.choices)
    better = models.TextField(blank=True)
    well = models.TextField(blank=True)
    # An imported passive's single comment: neither "better" nor "well".
    comment = models.TextField(blank=True)
    may_quote = models.BooleanField(default=False)
    language = models.CharField(max_length=2, blank=True)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    account_owner = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Imports: the same row imported again is recognised by this key.
    external_key = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    month = models.DateField()
    themed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="response_score_0_10"
            ),
            models.UniqueConstraint(
                fields=["organization", "external_key"],
                condition=Q(external_key__isnull=False),
                name="response_unique_import",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "month", "category"], name="response_org_month"),
            # The responses list pages newest first (``accord.lib.keyset``), and
            # the days counted live (NPS and the goals' current days) count the
            # categories of a time window from the index alone: with the
            # category in it, neither database reads the rows (on SQLite 44 ms
            # -> 12 ms for the last two days at 1,000,000 answers).
            models.Index(
                fields=["organization", "created_at", "id", "category"],
                name="response_org_created_cat",
            ),
            models.Index(fields=["organization", "themed_at"], name="response_org_themed"),
            # The segment names (``selectors.segment_names``) come from the latest
            # responses that carry attributes: without this, finding them reads
            # every response of an organisation whose answers carry none.
            models.Index(
                fields=["organization", "-created_at"],
                condition=~models.Q(attributes={}),
                name="response_org_attributed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} from {self.email or 'anonymous'}"

    # The month and instant as loaded from the database (None: a new response).
    _loaded_month: Any = None
    _loaded_created_at: Any = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Response:
        # Remember the month as loaded, so that an edit moving the response to
        # another month (or day) marks both rollups (accord.feedback.rollups).
        instance = super().from_db(db, field_names, values)
        instance._loaded_month = instance.__dict__.get("month")
        instance._loaded_created_at = instance.__dict__.get("created_at")
        return instance


class FollowUp(models.Model):
    """The closed loop on one response, owned by sales and marketing together.

    Recovery (detractors): a sales owner and a marketing partner. Advocacy
    (promoters): a marketing owner with the account owner. Nurture (passives).
    """

    class Kind(models.TextChoices):
        RECOVERY = "recovery", "Recovery"
        ADVOCACY = "advocacy", "Advocacy"
        NURTURE = "nurture", "Nurture"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONTACTED = "contacted", "Contacted"
        RESOLVED = "resolved", "Resolved"
        LOST = "lost", "Lost"

    class Play(models.TextChoices):
        NONE = "", "—"
        REFERRAL = "referral", "Referral"
        CASE_STUDY = "case_study", "Case study"
        REVIEW = "review", "Review"

    class Action(models.TextChoices):
        """What was done for the customer, recorded on the timeline."""

        APOLOGISE = "apologise", "Apologised and called back"
        FIX = "fix", "Fixed the issue"
        CREDIT = "credit", "Offered a credit"
        CLOSE_LOOP = "close_loop", "Closed the loop with the customer"
        REFERRAL_ASK = "referral_ask", "Asked for a referral"
        CASE_STUDY_ASK = "case_study_ask", "Asked for a case study"
        REVIEW_ASK = "review_ask", "Asked for a review"

    CLOSED = frozenset({Status.RESOLVED, Status.LOST})
    # Recovery wins a detractor back; advocacy asks a promoter to speak for
    # us. A nurture follow-up has no set plays: notes and status only.
    ACTIONS: dict[str, tuple[str, ...]] = {
        Kind.RECOVERY: (Action.APOLOGISE, Action.FIX, Action.CREDIT, Action.CLOSE_LOOP),
        Kind.ADVOCACY: (Action.REFERRAL_ASK, Action.CASE_STUDY_ASK, Action.REVIEW_ASK),
        Kind.NURTURE: (),
    }

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="followups"
    )
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="followup")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    play = models.CharField(max_length=12, choices=Play.choices, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    sales_owner = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marketing_owner = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_queued = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="followup_due"),
            # The follow-ups list pages by due time (``accord.lib.keyset``).
            models.Index(fields=["organization", "due_at", "id"], name="followup_org_due_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.response}"

    @property
    def kind_with_article(self) -> str:
        """ "a recovery", "an advocacy", "a nurture": for sentences in email."""
        kind = self.get_kind_display().lower()
        return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def is_overdue(self) -> bool:
        return not self.is_closed and self.due_at < timezone.now()

    @property
    def actions(self) -> list[tuple[str, str]]:
        """The actions this kind of follow-up offers, as (value, label)."""
        return [(value, FollowUp.Action(value).label) for value in self.ACTIONS[self.kind]]


class FollowUpEntry(models.Model):
    """One line of a follow-up's timeline: a status change, a note or an action
    taken for the customer, with who did it and when.

    Written only by the follow-up services, never edited: the timeline is the
    history of the loop. ``actor`` is empty for entries nobody typed (the
    notes carried over from before the timeline).
    """

    class Kind(models.TextChoices):
        STATUS_CHANGE = "status_change", "Status change"
        NOTE = "note", "Note"
        ACTION = "action", "Action"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    # For an action: which one (FollowUp.Action); empty otherwise.
    action = models.CharField(max_length=20, choices=FollowUp.Action.choices, blank=True)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        "orgs.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["followup", "at"], name="followup_entry_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.followup_id} at {self.at:%Y-%m-%d %H:%M}"


class Theme(models.Model):
    """A group of comments about one thing, found by the worker (NMF over TF-IDF).

    People rename, merge and route themes; the worker keeps those choices when
    it refits. ``merged_into`` points at the theme that absorbed this one.
    """

    class Backlog(models.TextChoices):
        NONE = "", "Not routed"
        SALES = "sales", "Sales backlog"
        MARKETING = "marketing", "Marketing backlog"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(max_length=120)
    renamed = models.BooleanField(default=False)
    top_terms = models.JSONField(default=list)
    component = models.IntegerField(null=True, blank=True)
    backlog = models.CharField(max_length=10, choices=Backlog.choices, blank=True, default="")
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="absorbed"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ThemeMention(models.Model):
    """One comment (the "better" or "well" answer of a response, or its general
    comment) in one theme."""

    class Field(models.TextChoices):
        BETTER = "better", "What can we do better?"
        WELL = "well", "What do we do well?"
        COMMENT = "comment", "General comment"

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="mentions")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="mentions")
    field = models.CharField(max_length=10, choices=Field.choices)
    weight = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "field"], name="mention_one_theme")
        ]
        indexes = [models.Index(fields=["theme", "-weight"], name="mention_theme_weight")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.response_id}/{self.field}"


class ThemeModel(models.Model):
    """The fitted vocabulary and NMF of an organisation, so new comments are
    assigned incrementally without refitting."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    blob = models.BinaryField()
    fitted_on = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Theme model of {self.organization_id}"


class SurveyRateCounter(models.Model):
    """Public survey submissions per address or per link in the current minute.

    Not organisation data: the key is an IP address or a hash of a link, and a
    row lives a minute or two. One upsert counts both keys, so the public POST
    pays one statement for its rate limits (a cache would pay several).
    """

    key = models.CharField(max_length=80, primary_key=True)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class ResponseMonthRollup(models.Model):
    """Promoters, passives and detractors of one month (``Response.month``),
    kept by ``accord.feedback.rollups`` for the months before the previous
    one; readers count the current and the previous month live."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="responserollup_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}"


class ResponseRollupMark(models.Model):
    """A month whose ``ResponseMonthRollup`` may be stale, written in the same
    transaction as the change (an import, an edit, a deletion of an older
    response). Answers of the current and previous month need no mark."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="responsemark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month}"


class ResponseRollupState(models.Model):
    """How far an organisation's ``ResponseMonthRollup`` rows reach: every
    month before ``complete_before`` is rolled up (marks aside); later months
    are counted live. No row: nothing is rolled up yet."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    complete_before = models.DateField()

    def __str__(self) -> str:
        return f"{self.organization_id} before {self.complete_before}"


class ResponseSegmentRollup(models.Model):
    """Promoters, passives and detractors of one month (``Response.month``)
    that share one value of one grouping, kept by ``accord.feedback.rollups``
    with ``ResponseMonthRollup`` (same months, same marks).

    ``by`` is "owner" (the account owner's membership id), "campaign" (the
    campaign's id), "language", or the name of a segment attribute; ``key``
    is the value as the database reads it as text, empty for none. Ids, not
    names, so renaming a campaign or a person's email needs no refresh:
    readers look the names up."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField()
    by = models.CharField(max_length=60)
    key = models.TextField(blank=True)
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "by", "month", "key"], name="responsesegment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month} {self.by}={self.key}"


class ResponseDayRollup(models.Model):
    """Promoters, passives and detractors of one day of the organisation's
    calendar (the local day of ``Response.created_at``), of the responses
    created before ``ResponseDayState.counted_until``, kept by
    ``accord.feedback.rollups``; readers count the answers since live. Any
    period of whole days (the 90 days against the 90 before, a month, a
    goal's quarter) adds these rows up."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="responseday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day}"


class ResponseDayMark(models.Model):
    """A day whose ``ResponseDayRollup`` may be stale, written in the
    transaction of the change (an import, an edit, a deletion of an older
    response). Answers of the live days need no mark."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="responsedaymark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day}"


class ResponseDayState(models.Model):
    """How far an organisation's ``ResponseDayRollup`` rows reach: they hold
    every response created before ``counted_until`` (marked days aside);
    readers count the responses created since live. The next refresh counts
    again the days from ``complete_before`` on (the days that may still gain
    new answers when it ran). No ``counted_until`` (a row from before it
    existed): the rows hold the days before ``complete_before``. No row:
    nothing is rolled up yet."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    complete_before = models.DateField()
    counted_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.organization_id} before {self.complete_before}"


class SendDayRollup(models.Model):
    """Survey emails sent on one day of the organisation's calendar (the
    local day of ``Recipient.sent_at``) and how many of those recipients have
    answered since: the response rate of any period of whole days. Kept by
    ``accord.feedback.counts`` in the transaction of each send and answer."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="sendday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day}"
