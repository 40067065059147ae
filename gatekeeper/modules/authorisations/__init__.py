"""Authorisations feature."""
