"""Koji: the hub session, tasks, runroot, the Koji image phases' shared steps, package sets from tags."""
