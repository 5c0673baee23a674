"""The todo API: `app.main` builds it, `app.features` holds one slice per endpoint, `app.shared` the kernel."""
