"""Shared fixtures. Engine tests need nothing; store tests get a fresh data dir each."""
