"""Rate limits (the `limits` library) over a storage every worker shares when there are
several: memory for one process, the database or Redis for more (see docs/security.md)."""
