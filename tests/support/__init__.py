"""Helpers shared by this project's tests."""
