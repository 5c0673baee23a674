"""The kernel: rooms by concern (database, http, auth, rate limits, observability, tasks); slices use `for_slices`."""
