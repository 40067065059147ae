"""Requests feature."""
