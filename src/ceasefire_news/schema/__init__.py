"""Record models and table declarations: the single source of truth for every table's columns."""
