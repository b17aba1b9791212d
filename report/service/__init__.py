"""Keep editions current in long-running processes: watch the inputs, rebuild on a
schedule, stop cleanly on signals."""
