"""The triage scan pipeline: evidence -> signals -> matches -> findings."""
