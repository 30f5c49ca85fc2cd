"""Bundle pages (filled below)."""
