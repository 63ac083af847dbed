"""BHARATPOL engine: everything that is not HTTP."""
