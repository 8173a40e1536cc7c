"""Contracts' words for its state machines: what people call each record and each change (core.wording).
Registered from ContractsConfig.ready(); the states' labels are the state choices' own."""

from core import wording

from .models import ApportionmentRun, Contract


def register() -> None:
    wording.register_model(Contract, noun="Contract", created="Contract added to the register", transitions={
        "activate": "Contract started",
        "extend": "Contract extended",
        "expire": "Contract expired",
        "terminate": "Contract terminated",
    })
    wording.register_model(ApportionmentRun, noun="Apportionment run", created="Apportionment run set up",
                           transitions={
                               "calculate": "Split calculated",
                               "approve": "Split approved",
                               "recharge": "Recharges posted to the partners",
                           })
    wording.register_change_log("contracts.contractstatuschange", of="contracts.contract")
    wording.register_change_log("contracts.apportionmentrunstatuschange", of="contracts.apportionmentrun")
