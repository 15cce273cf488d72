"""punji: a distribution compose toolkit, one command per phase, scheduled by make."""

__version__ = "0.1.0"
