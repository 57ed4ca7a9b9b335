"""Pure analytics over arrays and frames: change points, forecasts, alert rules, policy replay."""
