"""Fixtures shared by the operations tests."""

from tests.operations.test_grading import graded  # noqa: F401  (three referrals graded)
