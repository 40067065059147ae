"""Attachments of requests: the legal document, the department's plan."""
