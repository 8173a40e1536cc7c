"""Support's words for its state machines: what people call each record and each change (core.wording).
Registered from SupportConfig.ready(); the states' labels are the state choices' own."""

from core import wording

from .models import Assessment, Decision, NoticeOfProposal, Review, SupportPlan, SupportRequest


def register() -> None:
    wording.register_model(SupportRequest, noun="Request", state_field="stage", created="Request recorded",
                           transitions={
        "start_assessment": "Request taken on for an assessment of need",
        "provide_urgent_support": "Urgent support put in place before the notice",
        "issue_notice": "Request moved on to the notice of proposal",
        "decide": "Request decided",
        "put_plan_in_place": "Request now has a support plan in place",
        "close": "Request closed",
        "withdraw": "Request withdrawn",
    })
    wording.register_model(Assessment, noun="Assessment", created="Assessment started", transitions={
        "submit": "Assessment sent for approval",
        "approve": "Assessment approved",
        "send_back": "Assessment returned for changes",
    })
    wording.register_model(NoticeOfProposal, noun="Notice of proposal", created="Notice of proposal issued",
                           transitions={
                               "receive_representations": "Representations received on the notice",
                               "record_satisfied": "Person said they are satisfied with the notice",
                               "end_window": "Window for representations ended",
                           })
    wording.register_model(Decision, noun="Decision", created="Decision made and sent for approval", transitions={
        "approve": "Decision approved",
        "send_back": "Decision returned for changes",
        "resubmit": "Decision sent for approval again",
    })
    wording.register_model(SupportPlan, noun="Support plan", created="Support plan written", transitions={
        "activate": "Support plan put in place",
        "supersede": "Support plan replaced by a revised version",
        "end": "Support plan ended",
    })
    wording.register_model(Review, noun="Review", created="Review booked", transitions={
        "complete": "Review completed",
    })
    wording.register_change_log("support.statuschange", of_field="subject", transition_field="transition",
                                from_field="from_state", to_field="to_state")
