"""Tests for observatory.meta: the metadata store on SQLite and PostgreSQL."""
