"""The `footprint` command: one module per command group."""
