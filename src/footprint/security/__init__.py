"""Users, roles, organisation scoping and the tamper-evident audit chain."""
