"""Developer tools for the web pages (not deployed)."""
