"""The backlog's forms, by what they edit: hypotheses, scores, experiments and
the backlog's configuration."""
