"""Rendering of agreements into Word documents."""
