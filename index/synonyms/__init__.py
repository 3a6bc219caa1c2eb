"""Synonym data files (Solr format) for the search-time analyzer; see libya.txt."""
