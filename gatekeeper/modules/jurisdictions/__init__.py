"""Jurisdictions feature."""
