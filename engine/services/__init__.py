"""Services: the only functions that commit. Each call is one unit of work."""
