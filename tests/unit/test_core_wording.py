"""The words of every state machine (core.wording): each state of each FSM field in every app has a label, each
transition and each creation a past-tense phrase, and none reads like an identifier. A new state or transition
without words fails here."""

import pytest
from django.apps import apps
from django_fsm import FSMFieldMixin

from core import wording


def _machines() -> list[tuple[str, str, object, object]]:
    out = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, FSMFieldMixin):
                out.append((model._meta.label_lower, field.name, model, field))
    return out


MACHINES = _machines()
IDS = [f"{label}.{name}" for label, name, _, _ in MACHINES]


def test_the_apps_have_state_machines_to_name() -> None:
    assert {"support.supportrequest", "claims.asfapplication", "commissioning.referral",
            "contracts.apportionmentrun"} <= {label for label, *_ in MACHINES}


@pytest.mark.parametrize(("label", "name", "model", "field"), MACHINES, ids=IDS)
class TestEveryStateMachineHasWords:
    def test_its_app_registered_it_with_its_state_field(self, label, name, model, field) -> None:  # type: ignore[no-untyped-def]
        vocabulary = wording.vocabulary(label)
        assert vocabulary is not None, f"{label} has no words: register them in its app's wording.py"
        assert vocabulary.state_field == name
        assert wording.reads_as_words(vocabulary.noun)

    def test_every_state_has_a_label_that_reads_as_words(self, label, name, model, field) -> None:  # type: ignore[no-untyped-def]
        vocabulary = wording.vocabulary(label)
        assert vocabulary is not None
        for value, _ in field.choices:
            assert value in vocabulary.states, f"{label}: the state {value!r} has no label"
            text = wording.state_label(label, value)
            assert wording.reads_as_words(text), f"{label}: {value!r} reads {text!r}"
            assert text != value

    def test_every_transition_and_the_creation_read_as_a_past_tense_phrase(self, label, name, model, field) -> None:  # type: ignore[no-untyped-def]
        vocabulary = wording.vocabulary(label)
        assert vocabulary is not None
        assert wording.reads_as_words(vocabulary.created)
        for t in field.get_all_transitions(model):
            assert t.name in vocabulary.transitions, f"{label}: the transition {t.name!r} has no words"
            phrase = wording.event(label, transition=t.name)
            assert wording.reads_as_words(phrase), phrase
            # a change kept as two states (claims, commissioning, contracts rows) reads as the same phrase
            assert wording.event(label, from_state=str(t.source), to_state=str(t.target)) == phrase


class TestThePhrases:
    def test_name_the_changes_as_people_say_them(self) -> None:
        assert wording.event("support.noticeofproposal", transition="create") == "Notice of proposal issued"
        assert wording.event("support.assessment", transition="submit") == "Assessment sent for approval"
        assert wording.event("claims.asfapplication", from_state="submitted",
                             to_state="approved") == "Application approved by the fund"
        assert wording.event("claims.asfapplication", from_state="", to_state="draft") == "Application started"
        assert wording.state_label("support.supportrequest", "notice_issued") == "Notice of proposal issued"


class TestTheFallbackStillReadsAsEnglish:
    def test_an_unregistered_state_is_words_not_its_stored_value(self) -> None:
        assert wording.state_label("nowhere.thing", "notice_issued") == "Notice issued"
        assert wording.state_label("support.supportrequest", "on_hold") == "On hold"

    def test_an_unregistered_model_names_its_record(self) -> None:
        assert wording.event("support.child", default_noun="child") == "Child record created"
        assert wording.event("nowhere.thing") == "Record created"
        assert wording.record_event("support.legalorder", "changed", default_noun="legal order",
                                    fields=["Order date"]) == "Legal order record changed: order date"

    def test_an_unregistered_change_of_state_says_where_it_went(self) -> None:
        assert wording.event("nowhere.thing", transition="park", to_state="on_hold") == "Record now on hold"
        assert wording.event("support.supportrequest", transition="park",
                             to_state="on_hold") == "Request now on hold"

    @pytest.mark.parametrize(("name", "words"), [("NoticeOfProposal", "Notice of proposal"),
                                                 ("notice_issued", "Notice issued")])
    def test_humanise(self, name: str, words: str) -> None:
        assert wording.humanise(name) == words

    @pytest.mark.parametrize("text", ["notice_issued", "Noticeofproposal: open x_y", "NoticeOfProposal", "", "open"])
    def test_an_identifier_does_not_read_as_words(self, text: str) -> None:
        assert not wording.reads_as_words(text)


class TestChangeLogs:
    def test_every_status_change_model_is_registered_as_a_change_log(self) -> None:
        logs = [m._meta.label_lower for m in apps.get_models()
                if m.__name__.endswith("StatusChange") and not m.__name__.startswith("Historical")]
        assert len(logs) >= 6
        for label in logs:
            assert wording.change_log_words(label, {}), f"{label}: register it in its app's wording.py"

    def test_a_change_log_row_reads_in_words(self) -> None:
        words = wording.change_log_words("support.statuschange", {
            "subject": "supportrequest", "transition": "issue_notice", "from_state": "assessing",
            "to_state": "notice_issued"})
        assert words == {"subject": "Request", "transition": "Request moved on to the notice of proposal",
                         "from_state": "Assessing need", "to_state": "Notice of proposal issued"}
        assert wording.change_log_words("claims.statuschange", {"from_status": "", "to_status": "draft"}) == {
            "from_status": "None (new)", "to_status": "Draft"}
        assert wording.change_log_words("support.child", {"first_name": "Sam"}) == {}
