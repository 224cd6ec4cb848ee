"""Huike (汇客) — an open-source CRM for Chinese sales teams."""

__version__ = "0.1.0"
