"""Funds follow duties (费随事转): allocations per community, disbursements and receipts."""
