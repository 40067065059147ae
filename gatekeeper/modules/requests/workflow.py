"""The request workflow as data (DESIGN §5).

```
draft ──submit──▶ submitted ──accept──▶ in_review ──decide──▶ approved ──▶ authorisation issued
  ▲                  │ return (reason)       │  (votes, quorum)  │ refer (out of catalogue)
  └──── returned ◀───┘                        ├──▶ rejected        ▼
withdrawn (by filer, any open state)          └──▶ returned     referred ──ruling──▶ approved / rejected
```

Each action names the states it may start from and where it leads; an action with several outcomes
maps each outcome to its state. Nothing else in the code decides which state follows which.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from gatekeeper.core.errors import InvalidTransition
from gatekeeper.modules.requests.models import RequestState as S

OPEN_STATES = frozenset({S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.REFERRED})
FINAL_STATES = frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[S]
    #: The state reached, or per outcome; ``None`` when the action keeps the state (a vote).
    target: S | dict[str, S] | None


TRANSITIONS: dict[str, Transition] = {
    "edit": Transition(frozenset({S.DRAFT, S.RETURNED}), None),
    "submit": Transition(frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "withdraw": Transition(OPEN_STATES, S.WITHDRAWN),
    "accept": Transition(frozenset({S.SUBMITTED}), S.IN_REVIEW),
    "return": Transition(frozenset({S.SUBMITTED, S.IN_REVIEW}), S.RETURNED),
    "vote": Transition(frozenset({S.IN_REVIEW}), None),
    "recuse": Transition(frozenset({S.IN_REVIEW}), None),
    "decide": Transition(
        frozenset({S.IN_REVIEW}),
        # "refer": an approval of an out-of-catalogue item goes to the escalation body.
        {"approve": S.APPROVED, "refer": S.REFERRED, "reject": S.REJECTED, "return": S.RETURNED},
    ),
    "ruling": Transition(frozenset({S.REFERRED}), {"approve": S.APPROVED, "reject": S.REJECTED}),
}


def target(action: str, state: S, outcome: str | None = None) -> S:
    """The state ``action`` leads to from ``state`` (with ``outcome`` for multi-outcome actions).

    Raises ``InvalidTransition`` (409) when the action is not allowed in ``state``.
    """
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        raise InvalidTransition(refusal(action, state), state=state.value, allowed=allowed_actions(state))
    result = transition.target
    if isinstance(result, dict):
        return result[outcome]
    return result if result is not None else state


def allowed(action: str, state: S) -> bool:
    return state in TRANSITIONS[action].sources


def allowed_actions(state: S) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if state in t.sources]


def state_label(state: S) -> str:
    labels = {
        S.DRAFT: _("a draft"),
        S.SUBMITTED: _("submitted"),
        S.IN_REVIEW: _("in review"),
        S.RETURNED: _("returned"),
        S.REFERRED: _("referred to the escalation body"),
        S.APPROVED: _("approved"),
        S.REJECTED: _("rejected"),
        S.WITHDRAWN: _("withdrawn"),
    }
    return labels[state]


def refusal(action: str, state: S) -> str:
    """A whole sentence saying that ``action`` cannot be taken in ``state``."""
    sentences = {
        "edit": _("Only a draft or a returned request can be changed; this one is %(state)s."),
        "submit": _("Only a draft or a returned request can be submitted; this one is %(state)s."),
        "withdraw": _("This request is %(state)s; it can no longer be withdrawn."),
        "accept": _("Only a submitted request can be accepted; this one is %(state)s."),
        "return": _("Only a submitted request or one in review can be returned; this one is %(state)s."),
        "vote": _("Votes are cast while a request is in review; this one is %(state)s."),
        "recuse": _("Recusals are declared while a request is in review; this one is %(state)s."),
        "decide": _("Only a request in review can be decided; this one is %(state)s."),
        "ruling": _("Only a referred request can receive a ruling; this one is %(state)s."),
    }
    return sentences[action] % {"state": state_label(state)}
