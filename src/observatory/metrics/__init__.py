"""Governed KPIs: definitions, computation per period and breakdown, statistical process control, status,
confidence and forecasts."""
