"""Benchmarks behind ``openevent bench …``: each returns a JSON-able dict of figures.

Figures are ratios within one run where possible (these machines are shared and noisy).
"""
