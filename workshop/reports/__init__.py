"""Reports and data exports: one report document, many formats (PDF, HTML, CSV, JSON, Markdown)."""
