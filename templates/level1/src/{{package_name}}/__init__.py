"""The training pipeline: one module per step, each runnable alone with `python -m`."""

import os

# No usage reporting from MLflow (the Makefile sets it too, for the mlflow CLI).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
