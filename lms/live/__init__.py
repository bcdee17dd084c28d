"""Live sessions: scheduling and calendars, the live room over Socket.IO, attendance."""
