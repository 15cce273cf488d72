"""One module per phase; each has run(topdir, variant, arch)."""
