"""The auth_refresh slice — POST /api/auth/refresh: a refresh token traded for a new pair."""
