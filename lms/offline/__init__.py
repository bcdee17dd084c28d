"""The offline phase: its schedule in Korea time, and check-in by rotating QR code or by hand."""
