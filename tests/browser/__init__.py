"""Tests in a real Chromium: the offline docs pages, and a page on another origin calling the API with fetch."""
