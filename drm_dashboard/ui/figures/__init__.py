"""Pure figure builders: (view, *, params, theme) -> go.Figure, tested on fig.data."""
