"""Audit feature."""
