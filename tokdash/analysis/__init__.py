"""Encoding corpora into mergeable statistics, and the metrics and comparisons built on them."""
