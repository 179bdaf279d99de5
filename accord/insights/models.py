"""Models of this app arrive with its issue; the app exists so pages and URLs are in place."""
