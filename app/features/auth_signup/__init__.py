"""The auth_signup slice — POST /api/auth/signup: an account created and signed in."""
