"""The rate-limits room: buckets per client IP, per sign-in email and per user, in memory or Redis."""
