"""Public verification of authorisations (DESIGN §6): by number and code, without logging in."""
