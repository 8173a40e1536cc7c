"""The one place that names each state and each change of state in plain words.

Each app owns its vocabulary and registers it from its `AppConfig.ready()` (`<app>/wording.py`): for each model
with a state machine, the noun people use for it, the label of each state (the state choices' labels are the
source), the past-tense phrase for each transition ("Notice of proposal issued") and for its creation. Pages,
history lines, audit entries and emails ask here, never format a model or state name themselves.

Pure: no imports from the apps (they import this), no ORM. A state or model that no app has named still reads as
English: never a raw field value, never a class name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Vocabulary:
    """The words of one model's state machine. `moves` maps (from state, to state) to the transition that makes
    that move, for status-change rows that keep the two states but not the transition's name."""

    noun: str
    state_field: str
    states: Mapping[str, str]
    transitions: Mapping[str, str]
    created: str
    moves: Mapping[tuple[str, str], str] = field(default_factory=dict)


_VOCABULARIES: dict[str, Vocabulary] = {}

_CAMEL_RUN = re.compile(r"[a-z][A-Z]")


def register(
    model: str, *, noun: str, states: Iterable[tuple[str, str]], transitions: Mapping[str, str], created: str,
    moves: Iterable[tuple[str, str, str]] = (), state_field: str = "status",
) -> Vocabulary:
    """Name `model` ("app_label.modelname", lower case) and its states and transitions.

    `states` are (value, label) pairs: pass the state field's `choices`. `moves` are (transition, from, to)
    triples, the state machine's own graph, so that a change kept as two states reads as the transition."""
    vocabulary = Vocabulary(
        noun=noun, state_field=state_field, states={str(v): str(label) for v, label in states},
        transitions=dict(transitions), created=created,
        moves={(source, target): name for name, source, target in moves},
    )
    _VOCABULARIES[model.lower()] = vocabulary
    return vocabulary


def register_model(model: Any, *, noun: str, transitions: Mapping[str, str], created: str,
                   state_field: str = "status") -> Vocabulary:
    """`register` for a model class with a django-fsm state field: its choices and its transition graph are read
    from the field, so the words cannot drift from the machine."""
    fsm_field = model._meta.get_field(state_field)
    moves = [(t.name, str(t.source), str(t.target)) for t in fsm_field.get_all_transitions(model)]
    return register(model._meta.label_lower, noun=noun, states=fsm_field.choices, transitions=transitions,
                    created=created, moves=moves, state_field=state_field)


def vocabulary(model: str) -> Vocabulary | None:
    return _VOCABULARIES.get(model.lower())


def registered_models() -> list[str]:
    return sorted(_VOCABULARIES)


def humanise(value: str) -> str:
    """A stored name as words, for anything no app has named: "notice_issued" -> "Notice issued",
    "NoticeOfProposal" -> "Notice of proposal"."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(value)).replace("_", " ").replace("-", " ")
    text = " ".join(text.split()).lower()
    return text[:1].upper() + text[1:]


def reads_as_words(text: str) -> bool:
    """True when `text` reads as English rather than as an identifier: no underscores, no run-together
    CamelCase, starts with a capital letter."""
    return bool(text) and "_" not in text and not _CAMEL_RUN.search(text) and text[:1] == text[:1].upper()


def noun(model: str, *, default: str = "") -> str:
    """What people call a record of `model` ("Notice of proposal"); `default` (a model's verbose name) otherwise."""
    known = vocabulary(model)
    if known is not None:
        return known.noun
    return humanise(default) if default else "Record"


def state_label(model: str, state: str) -> str:
    """The label of `state`: "notice_issued" on a support request -> "Notice of proposal issued"."""
    known = vocabulary(model)
    if known is not None and state in known.states:
        return known.states[state]
    return humanise(state) if state else "None"


def event(model: str, *, transition: str = "", from_state: str = "", to_state: str = "",
          default_noun: str = "") -> str:
    """The past-tense phrase for one change of state, from the transition's name where it is kept, otherwise
    from the two states: "Notice of proposal issued", "Application approved by the fund". A record's creation
    is a change from no state (`from_state` empty, or the transition "create")."""
    known = vocabulary(model)
    if known is not None:
        if transition == "create" or (not transition and not from_state):
            return known.created
        name = transition or known.moves.get((from_state, to_state), "")
        if name in known.transitions:
            return known.transitions[name]
    subject = noun(model, default=default_noun)
    if transition == "create" or (not transition and not from_state):
        return record_event(model, "created", default_noun=default_noun)
    if to_state:
        return f"{subject} now {state_label(model, to_state).lower()}"
    return f"{subject} changed"


@dataclass(frozen=True)
class ChangeLog:
    """A model whose rows each record one change of state of another model (a status-change row): which model
    (`of`, or the field holding its model name within `app_label`) and which fields hold the states."""

    from_field: str
    to_field: str
    of: str = ""
    of_field: str = ""
    transition_field: str = ""


_CHANGE_LOGS: dict[str, ChangeLog] = {}


def register_change_log(model: str, *, from_field: str = "from_status", to_field: str = "to_status", of: str = "",
                        of_field: str = "", transition_field: str = "") -> None:
    """Name `model` as a log of another model's changes of state, so a page that shows its rows field by field
    (the auditor's dossier) shows the states' labels and the change's phrase, not the stored names."""
    _CHANGE_LOGS[model.lower()] = ChangeLog(from_field, to_field, of, of_field, transition_field)


def change_log_words(model: str, values: Mapping[str, Any]) -> dict[str, str]:
    """For a row of a registered change log (field name -> stored value), the words for each field that holds a
    model, state or transition name; {} for any other model."""
    log = _CHANGE_LOGS.get(model.lower())
    if log is None:
        return {}
    app_label = model.lower().split(".")[0]
    of = log.of or f"{app_label}.{values.get(log.of_field, '')}"
    from_state, to_state = str(values.get(log.from_field) or ""), str(values.get(log.to_field) or "")
    transition = str(values.get(log.transition_field) or "") if log.transition_field else ""
    words = {log.from_field: state_label(of, from_state) if from_state else "None (new)",
             log.to_field: state_label(of, to_state)}
    if log.of_field:
        words[log.of_field] = noun(of)
    if log.transition_field:
        words[log.transition_field] = event(of, transition=transition, from_state=from_state, to_state=to_state)
    return words


def record_event(model: str, happened: str, *, default_noun: str = "", fields: Iterable[str] = ()) -> str:
    """A change to a record that is not a change of state: "Child record changed: first name, date of birth"."""
    subject = noun(model, default=default_noun)
    text = f"{subject} {happened}" if subject == "Record" else f"{subject} record {happened}"
    named = [str(f).lower() for f in fields]
    return f"{text}: {', '.join(named)}" if named else text


@dataclass(frozen=True)
class HistoryLine:
    """One line of a record's history as a page shows it: what happened, when, by whom, and the note kept."""

    title: str
    when: date | datetime
    by: str = ""
    note: str = ""


def history_line(model: str, *, from_state: str, to_state: str, when: date | datetime, by: Any = None,
                 note: str = "", transition: str = "") -> HistoryLine:
    """One status-change row of `model` as a history line: "Application approved by the fund"."""
    return HistoryLine(event(model, transition=transition, from_state=from_state, to_state=to_state), when,
                       str(by) if by else "", note)
