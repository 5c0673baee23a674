"""The auth_signout slice — POST /api/auth/signout: the caller's sign-in ended, its tokens refused from then on."""
