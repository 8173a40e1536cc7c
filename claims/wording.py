"""Claims' words for its state machines: what people call each record and each change (core.wording).
Registered from ClaimsConfig.ready(); the states' labels are the state choices' own."""

from core import wording

from .models import ASFApplication, ProviderInvoice


def register() -> None:
    wording.register_model(ASFApplication, noun="ASF application", created="Application started", transitions={
        "send_to_manager": "Application sent to the manager for approval",
        "manager_approve": "Application approved by the manager",
        "manager_send_back": "Application sent back by the manager",
        "submit": "Application submitted to the fund",
        "return_for_rework": "Application returned by the fund for rework",
        "resubmit": "Application resubmitted to the fund",
        "approve": "Application approved by the fund",
        "reject": "Application rejected by the fund",
        "withdraw": "Application withdrawn",
        "receive_funds": "Money received from the fund",
        "start_delivery": "Services started",
        "confirm_spend": "Spend confirmed",
        "close": "Application closed",
    })
    wording.register_model(ProviderInvoice, noun="Provider invoice", created="Invoice recorded", transitions={
        "approve": "Invoice approved",
        "pay": "Invoice paid",
    })
    wording.register_change_log("claims.statuschange", of="claims.asfapplication")
    wording.register_change_log("claims.invoicestatuschange", of="claims.providerinvoice")
