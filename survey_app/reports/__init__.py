"""Hate crime and domestic abuse reports: stored encrypted, triaged by caseworkers."""
