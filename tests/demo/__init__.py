"""Tests of the Demo County Council generator."""
