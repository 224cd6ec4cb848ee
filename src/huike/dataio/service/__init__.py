"""Import and export services: imports (upload, mapping, the all-or-nothing job), exports (streamed,
within the data scope), the template."""
