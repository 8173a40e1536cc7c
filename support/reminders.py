"""Daily reminders: one email per deadline, sent once (a SentReminder row with a unique key per item and
deadline), through Django's email backend (EMAIL_BACKEND: SMTP, console in the demo, or a GOV.UK Notify backend
in production)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.dates import long_date

from .models import SentReminder, SupportRequest
from .selectors import DueItem, due_items


def _body(item: DueItem) -> str:
    when = ("was due" if item.overdue else "is due") + f" on {long_date(item.deadline)}"
    left = (f"{-item.working_days_left} working days overdue" if item.overdue
            else f"{item.working_days_left} working days left")
    # No names in the email: the reference is enough to open the record after signing in.
    return (f"{item.kind} for request {item.request.reference} {when} ({left}).\n\n{item.detail}\n\n"
            f"Open it in {settings.SERVICE_NAME}: {reverse('support:request_detail', args=[item.request.pk])}\n")


def reminders_send(*, now: datetime, horizon: int | None = None) -> int:
    """Email the allocated worker about each deadline due soon or overdue, once per item. Returns how many sent.
    The reminder row and the email share a transaction: if sending fails nothing is recorded and the next run
    tries again; a second run (or a concurrent one) finds the key and sends nothing."""
    today = timezone.localdate(now)
    requests = SupportRequest.objects.filter(allocated_worker__isnull=False, allocated_worker__is_active=True)
    sent = 0
    for item in due_items(requests=requests, today=today, horizon=horizon):
        worker = item.request.allocated_worker
        if worker is None or not worker.email or SentReminder.objects.filter(key=item.key).exists():
            continue
        subject = f"{item.kind}: {item.request.reference}, {long_date(item.deadline)}"
        try:
            with transaction.atomic():
                SentReminder.objects.create(key=item.key, request=item.request, recipient=worker.email,
                                            subject=subject[:200], sent_at=now)
                send_mail(subject, _body(item), settings.DEFAULT_FROM_EMAIL, [worker.email])
        except IntegrityError:
            continue  # another run sent it first
        sent += 1
    return sent
