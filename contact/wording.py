"""Letterbox's words for its state machines (core.wording), registered from ContactConfig.ready()."""

from core import wording

from .models import Arrangement, Exchange


def register() -> None:
    wording.register_model(Arrangement, noun="Letterbox arrangement", created="Arrangement proposed", transitions={
        "activate": "Arrangement agreed and started",
        "pause": "Arrangement paused",
        "resume": "Arrangement started again",
        "end": "Arrangement ended",
        "coordinate": "Handed to a provider to coordinate",
        "terms": "Terms changed",
    })
    wording.register_model(Exchange, noun="Letterbox item", created="Exchange expected", transitions={
        "receive": "Item received and logged",
        "check": "Checklist confirmed",
        "hold": "Item held",
        "redact": "Item redacted",
        "forward": "Item forwarded",
        "return_to_writer": "Item returned to the writer",
        "miss": "Item marked as missed",
        "excuse": "Item no longer expected",
        "reinstate": "Item expected again",
        "remind": "Reminder sent to the writer",
    })
