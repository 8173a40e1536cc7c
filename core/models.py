"""A background job row: the progress of long work (exports, imports, apportionment builds) outlives any Celery
result backend, and every web process can read it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .dates import long_datetime


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class BackgroundJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60)
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    target = models.CharField(max_length=120, blank=True, help_text="What the job works on, as app.model:pk")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                name="job_progress_not_past_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return int(self.progress_done * 100 / self.progress_total)


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    DOWNLOAD = "download", "Downloaded"
    IMPORT = "import", "Imported"


class AccessLog(models.Model):
    """Who looked at which record, and when. Changes are in each model's history (django-simple-history);
    this holds the reads, which history cannot see. Append-only: written by core.audit.record_access."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices, default=AccessAction.VIEW)
    object_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    family_key = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="The household the record belongs to, as app.model:pk"
    )
    path = models.CharField(max_length=300, blank=True)
    authority = models.ForeignKey(
        "organisations.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The authority holding the record, for scoping the audit trail",
    )

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display().lower()} {self.object_repr} at {long_datetime(self.at)}"

    @property
    def household_id(self) -> int | None:
        prefix = "support.household:"
        return int(self.family_key[len(prefix):]) if self.family_key.startswith(prefix) else None
