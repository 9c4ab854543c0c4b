"""Tests for the observatory package."""
