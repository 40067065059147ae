"""Committee feature."""
