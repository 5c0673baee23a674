"""The auth_signin slice — POST /api/auth/signin: email and password checked, a new sign-in started."""
