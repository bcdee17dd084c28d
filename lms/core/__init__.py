"""What every feature needs: database helpers, permissions, errors, time, security."""
