"""Supervision (DESIGN §7): reports (举报/反馈) of unauthorised entries and broken conditions."""
