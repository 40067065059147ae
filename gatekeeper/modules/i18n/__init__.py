"""Translations of the user interface: the message catalogues and the ``gatekeeper i18n`` commands."""
