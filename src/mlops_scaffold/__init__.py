"""Generate a runnable ML project at an MLOps maturity level."""

__version__ = "0.1.0"
