"""What a valid dataset looks like: columns, types, ranges.

Using your own data? Edit TARGET and FEATURE_RANGES here; validation, training, and the
level 2 API's request model all follow them.
"""

from __future__ import annotations

import pandera.pandas as pa

TARGET = "target"

# Plausible bounds for each feature, about twice the largest value in the bundled
# breast-cancer data: a value outside them is a data error, not a rare patient.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    "mean_radius": (0.0, 50.0),
    "mean_texture": (0.0, 80.0),
    "mean_perimeter": (0.0, 400.0),
    "mean_area": (0.0, 5000.0),
    "mean_smoothness": (0.0, 0.5),
    "mean_compactness": (0.0, 1.0),
    "mean_concavity": (0.0, 1.0),
    "mean_concave_points": (0.0, 0.5),
    "mean_symmetry": (0.0, 1.0),
    "mean_fractal_dimension": (0.0, 0.25),
    "radius_error": (0.0, 5.0),
    "texture_error": (0.0, 10.0),
    "perimeter_error": (0.0, 50.0),
    "area_error": (0.0, 1000.0),
    "smoothness_error": (0.0, 0.1),
    "compactness_error": (0.0, 0.5),
    "concavity_error": (0.0, 1.0),
    "concave_points_error": (0.0, 0.2),
    "symmetry_error": (0.0, 0.2),
    "fractal_dimension_error": (0.0, 0.1),
    "worst_radius": (0.0, 60.0),
    "worst_texture": (0.0, 100.0),
    "worst_perimeter": (0.0, 500.0),
    "worst_area": (0.0, 8000.0),
    "worst_smoothness": (0.0, 0.5),
    "worst_compactness": (0.0, 2.0),
    "worst_concavity": (0.0, 2.0),
    "worst_concave_points": (0.0, 1.0),
    "worst_symmetry": (0.0, 1.0),
    "worst_fractal_dimension": (0.0, 0.5),
}
FEATURE_COLUMNS: list[str] = list(FEATURE_RANGES)
CLASSES = [0, 1]


def _feature_columns() -> dict[str, pa.Column]:
    return {
        name: pa.Column(float, pa.Check.in_range(low, high), nullable=False, coerce=True)
        for name, (low, high) in FEATURE_RANGES.items()
    }


def dataset_schema() -> pa.DataFrameSchema:
    """A training dataset: exactly the feature columns and the label, nothing missing."""
    columns = _feature_columns()
    columns[TARGET] = pa.Column(int, pa.Check.isin(CLASSES), nullable=False)
    return pa.DataFrameSchema(columns, strict=True, name="dataset")


def features_schema() -> pa.DataFrameSchema:
    """Rows to predict on: the feature columns (other columns, e.g. ids, are kept)."""
    return pa.DataFrameSchema(_feature_columns(), strict=False, name="features")
