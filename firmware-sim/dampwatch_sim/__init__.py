"""Simulated firmware and home physics, cohorts and dataset replay."""
