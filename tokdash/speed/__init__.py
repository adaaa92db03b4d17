"""Generation speed: the cost model of vocabulary size, model shapes, and the timed probe."""
