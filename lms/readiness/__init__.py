"""Pre-departure readiness: admitted participants confirm and give what the office needs."""
