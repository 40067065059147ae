"""The report workflow as data (DESIGN §7).

```
received ──investigate──▶ investigating ──uphold──▶ upheld ──rectify──▶ rectified ──close──▶ closed
                                         └─dismiss─▶ unfounded ─────────────close──────────▶ closed
```

Every step is the office's (the secretariat of the report's gate), with a note. The department named
answers an upheld report with its rectification (``respond``), which keeps the state: the office then
records the report as rectified. Each state but ``closed`` has a deadline, in working days from the
step that reached it, named by a gate setting (``DEADLINE_SETTING``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from gatekeeper.core.errors import InvalidTransition
from gatekeeper.core.labels import label
from gatekeeper.modules.supervision.models import ReportState as S


@dataclass(frozen=True)
class Transition:
    sources: frozenset[S]
    #: The state reached; ``None`` when the action keeps the state (the department's answer).
    target: S | None


TRANSITIONS: dict[str, Transition] = {
    "investigate": Transition(frozenset({S.RECEIVED}), S.INVESTIGATING),
    "uphold": Transition(frozenset({S.INVESTIGATING}), S.UPHELD),
    "dismiss": Transition(frozenset({S.INVESTIGATING}), S.UNFOUNDED),
    "rectify": Transition(frozenset({S.UPHELD}), S.RECTIFIED),
    "close": Transition(frozenset({S.UNFOUNDED, S.RECTIFIED}), S.CLOSED),
    "respond": Transition(frozenset({S.UPHELD}), None),
}

#: The office's steps (each with a required note); ``respond`` is the department's.
OFFICE_ACTIONS = ("investigate", "uphold", "dismiss", "rectify", "close")

#: The gate setting that gives the working days allowed in each state (none once closed).
DEADLINE_SETTING: dict[S, str] = {
    S.RECEIVED: "report_investigate_days",
    S.INVESTIGATING: "report_decide_days",
    S.UPHELD: "report_rectify_days",
    S.UNFOUNDED: "report_close_days",
    S.RECTIFIED: "report_close_days",
}

#: States a notice may name: the report was found upheld (and may since be rectified and closed).
NOTICEABLE = frozenset({S.UPHELD, S.RECTIFIED, S.CLOSED})


def target(action: str, state: S) -> S:
    """The state ``action`` leads to from ``state``; ``InvalidTransition`` (409) when not allowed."""
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        raise InvalidTransition(
            _("This step is not possible while the report is in the state “%(state)s”.", state=label(state)),
            state=state.value,
            allowed=allowed_actions(state),
        )
    return transition.target if transition.target is not None else state


def allowed(action: str, state: S) -> bool:
    return state in TRANSITIONS[action].sources


def allowed_actions(state: S) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if state in t.sources]


def office_actions(state: S) -> list[str]:
    """The office's steps possible in ``state``, in the order of the review."""
    return [name for name in OFFICE_ACTIONS if allowed(name, state)]


def action_label(action: str) -> str:
    labels = {
        "file": _("Report filed"),
        "investigate": _("Start the investigation"),
        "uphold": _("Uphold the report"),
        "dismiss": _("Find it unfounded"),
        "rectify": _("Record the rectification"),
        "close": _("Close the report"),
        "respond": _("The department's rectification"),
    }
    return labels.get(action, action)


def notice_outcome(state: S) -> str:
    """What a notice says of a report it names: upheld, and whether it has been rectified since
    (a closed report named by a notice was rectified before it was closed)."""
    if state == S.UPHELD:
        return _("Upheld; rectification under way")
    return _("Upheld and rectified")
