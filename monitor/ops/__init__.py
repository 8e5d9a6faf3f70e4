"""Running the worker in production: structured logs, token redaction, the health
endpoint and Prometheus metrics."""
