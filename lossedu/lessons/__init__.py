"""Lesson modules: the data, numbers and figures of the course's cross-cutting lessons (one module per topic)."""
