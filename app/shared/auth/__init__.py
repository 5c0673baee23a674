"""The auth room: tokens, passwords, the principal, ownership clauses, sign-ins and provisioning."""
