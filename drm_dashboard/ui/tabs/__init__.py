"""One module per tab, each exposing layout() and register_callbacks(app, ctx)."""
