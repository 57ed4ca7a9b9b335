"""The web UI: the Dash app, its tabs and pure figure builders (only here are dash and plotly)."""
