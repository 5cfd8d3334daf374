"""Lambda functions that are not part of the Chalice app (each its own template function)."""
