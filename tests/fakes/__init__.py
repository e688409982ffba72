"""Local stand-ins for remote services, written for the tests: HTTPS servers in threads."""
