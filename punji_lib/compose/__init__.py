"""The compose directory: its paths, JSON I/O, state files, the request, status, the Makefile and its lock."""
