"""Static files of the search page (served by akhbar.api; no build step)."""
