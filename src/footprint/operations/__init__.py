"""The coordinated operation: referrals, subjects, allocation, risk, packages, cases, outcomes."""
