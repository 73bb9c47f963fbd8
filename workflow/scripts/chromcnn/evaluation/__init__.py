"""Test-split metrics with bootstrap intervals and paired model comparison."""
