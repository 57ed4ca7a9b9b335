"""Scorers of the detectors and forecasts on labelled data (TCPD, NAB), shipped for `python -m`."""
