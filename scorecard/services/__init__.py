"""Every write of the scorecard: its targets and definitions (through the admin) and the board return's jobs."""
