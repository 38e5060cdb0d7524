"""Running: threads, memory budgets, progress reporting."""
