"""Customer feedback: capture, privacy, the import pipeline, views and urls.

The models stay in backlog.models (app label `backlog`)."""
