"""Rendering documents for review."""
