"""Test helpers shared across the suite: a throwaway PostgreSQL server and metadata-store fixtures."""
