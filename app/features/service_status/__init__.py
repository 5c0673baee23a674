"""The service_status slice — GET /, /health, /health/ready: what the service is and whether it can serve."""
