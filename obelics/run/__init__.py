"""Running stages: tasks, completion markers, settings, engines."""
