"""The slices: one folder per endpoint, discovered and mounted by the kernel (app.shared.http.discovery)."""
