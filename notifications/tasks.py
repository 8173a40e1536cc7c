"""Sending is a Celery task: retried with exponential backoff while Notify answers 429 or 5xx (or does not answer),
acknowledged late and put back if its worker dies; the message's unique reference makes every retry safe."""

from celery import shared_task
from django.utils import timezone

from . import services
from .channel import SendFailed


class RetryableSendFailed(Exception):
    pass


@shared_task(name="notifications.send", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(RetryableSendFailed,), retry_backoff=5, retry_backoff_max=600, retry_jitter=True,
             max_retries=8)
def send(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    try:
        message = services.message_send(message_id=message_id, now=timezone.now())
    except SendFailed as error:
        if not error.retryable:
            return "refused"
        if self.request.retries >= self.max_retries:
            services.message_give_up(message_id=message_id, now=timezone.now())
            return "gave up"
        raise RetryableSendFailed(str(error)) from error
    return str(message.status)
