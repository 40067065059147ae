"""The administrator's pages: users and roles, departments, jurisdictions, gate settings, the calendar."""
