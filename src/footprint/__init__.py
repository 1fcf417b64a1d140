"""footprint: coordinated child-protection operations and known-image triage."""

__version__ = "0.1.0"
