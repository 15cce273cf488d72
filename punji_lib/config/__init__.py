"""The config layer: reading a Pungi config, the option table, variants, comps, scm sources."""
