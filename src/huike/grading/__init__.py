"""Automatic customer grading (POOL-16): levels by purchase amount over a window and recency."""
