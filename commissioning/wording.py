"""Commissioning's words for its state machines: what people call each record and each change (core.wording).
Registered from CommissioningConfig.ready(); the states' labels are the state choices' own."""

from core import wording

from .models import Referral, SpotPurchase


def register() -> None:
    wording.register_model(Referral, noun="Referral", created="Referral drafted", transitions={
        "send": "Referral sent to the provider",
        "accept": "Referral accepted by the provider",
        "decline": "Referral declined by the provider",
        "start": "Service started",
        "complete": "Referral completed",
        "cancel": "Referral cancelled",
    })
    wording.register_model(SpotPurchase, noun="Spot purchase", created="Spot purchase asked for", transitions={
        "approve": "Spot purchase approved",
        "refuse": "Spot purchase refused",
    })
    wording.register_change_log("commissioning.referralstatuschange", of="commissioning.referral")
