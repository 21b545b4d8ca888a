//! Drift reports and auditor evidence bundles, rendered as JSON, Markdown, HTML, CSV and tables.
