"""Data quality on the six dimensions of the Government Data Quality Framework.

Measures are computed inside the engine (``quality.engine``), stored as snapshots in the
metadata store (``quality.snapshots``), compared with earlier snapshots to raise alerts, and
summed up as a score and a plain-English confidence statement (``quality.confidence``).
"""
