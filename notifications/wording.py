"""The words for a message's state machine (core.wording). Registered from NotificationsConfig.ready()."""

from core import wording

from .models import Message


def register() -> None:
    wording.register_model(Message, noun="Message", created="Message queued", transitions={
        "start_sending": "Message handed to the channel",
        "mark_sent": "Message sent",
        "keep_in_outbox": "Message kept in the outbox",
        "hold": "Message held for want of an address",
        "refuse": "Message not sent",
        "deliver": "Message delivered",
        "fail_permanently": "Message could not be delivered",
        "fail_temporarily": "Message not delivered yet",
        "fail_technically": "Message failed at the provider",
    })
