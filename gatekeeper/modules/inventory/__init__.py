"""Inventory and cleanup (清理): the plaques, ledgers, appraisals and bodies already in communities,
checked against the published catalogue with the rules engine, and their removal recorded."""
