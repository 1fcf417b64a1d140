"""Police force areas (and, next, postcode resolvers)."""

from footprint.geo.forces import COORDINATOR_CODE, PoliceForce, police_forces

__all__ = ["COORDINATOR_CODE", "PoliceForce", "police_forces"]
