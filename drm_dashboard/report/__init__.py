"""Reports, and only reports: the CI run report, DRMVisualization's charts, pages and live report page.

Nothing is imported here, so `report.summary` (pure) loads without plotly or Dash.
"""
