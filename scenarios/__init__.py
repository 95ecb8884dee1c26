"""The shipped scenarios, installed as the data package `sim.scenarios` (see pyproject.toml):
read them by name through `sim.config.files.resolve`, never by a path beside the code."""
