"""Data standards: UK field types and the reference data they check against (postcodes, gazetteer)."""
