"""Catalogue feature."""
