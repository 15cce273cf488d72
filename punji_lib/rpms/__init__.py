"""Packages and repositories: repodata read and written, RPM headers, the libsolv pool and solver, linking."""
