"""Statistics: the burden-reduction picture (requests, decisions, money, reduction, reports)."""
