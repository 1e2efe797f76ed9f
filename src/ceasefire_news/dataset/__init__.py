"""Building, storing, validating, loading and diffing a built dataset directory."""
