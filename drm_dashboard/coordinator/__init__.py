"""The reference coordinator (HTTP API v1 over a DynamicResourceManager) and the worker agent."""
