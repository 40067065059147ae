"""The answer of a community to a disbursement, as data.

```
recorded ──confirm──▶ confirmed
    │                    ▲
    └──dispute──▶ disputed ──confirm (the money arrived after all)
```

A disbursement is recorded by the department; the head of the community confirms that the money
arrived, or disputes it with a reason. A disputed one can still be confirmed later; a confirmed one
is final. Nothing else in the code decides which state follows which.
"""

from __future__ import annotations

from flask_babel import gettext as _

from gatekeeper.core.errors import InvalidTransition
from gatekeeper.modules.funds.models import DisbursementState as D

DISBURSEMENT_TRANSITIONS: dict[str, tuple[frozenset[D], D]] = {
    "confirm": (frozenset({D.RECORDED, D.DISPUTED}), D.CONFIRMED),
    "dispute": (frozenset({D.RECORDED}), D.DISPUTED),
}


def target(action: str, state: D) -> D:
    """The state ``action`` leads to from ``state``; ``InvalidTransition`` (409) when not allowed."""
    sources, result = DISBURSEMENT_TRANSITIONS[action]
    if state not in sources:
        raise InvalidTransition(refusal(action, state), state=state.value, allowed=allowed_actions(state))
    return result


def allowed(action: str, state: D) -> bool:
    return state in DISBURSEMENT_TRANSITIONS[action][0]


def allowed_actions(state: D) -> list[str]:
    return [name for name, (sources, _target) in DISBURSEMENT_TRANSITIONS.items() if state in sources]


def state_label(state: D) -> str:
    labels = {
        D.RECORDED: _("recorded as paid"),
        D.CONFIRMED: _("confirmed as received"),
        D.DISPUTED: _("disputed"),
    }
    return labels[state]


def refusal(action: str, state: D) -> str:
    """A whole sentence saying that ``action`` cannot be taken in ``state``."""
    sentences = {
        "confirm": _("This payment is already %(state)s; it cannot be confirmed again."),
        "dispute": _("Only a payment not yet answered can be disputed; this one is %(state)s."),
    }
    return sentences[action] % {"state": state_label(state)}
