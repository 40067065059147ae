"""The pre-check rules. Importing this package registers them, in the order they report findings.

The import order below *is* the registration order (see ``registry.RULES``); keep it as it is.
"""

# isort: skip_file
from . import catalogue  # NEGATIVE_LIST, OUT_OF_CATALOGUE
from . import resources  # FUNDS_FOLLOW_DUTIES, NO_DEDICATED_PREMISES_STAFF
from . import conditions  # NO_LEGAL_BASIS, NO_VETO_LETTER_RANKING
from . import jurisdiction  # SCOPE_OUTSIDE_GATE, EMPTY_SCOPE
from . import timing  # DUPLICATE_ACTIVE, LEAD_TIME
from . import workload  # LOAD_CAP, OFFICE_SHARE

__all__ = ["catalogue", "conditions", "jurisdiction", "resources", "timing", "workload"]
