"""Run reports: a JSON summary (pure) and a self-contained HTML page."""
