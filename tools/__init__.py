"""Developer tools that live beside the app; nothing under app/ imports them."""
