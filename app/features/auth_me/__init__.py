"""The auth_me slice — GET /api/auth/me: the signed-in user, never a password hash."""
