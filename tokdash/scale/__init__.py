"""Corpus-scale analysis: the datatrove pipeline (local processes, Slurm, Ray) that folds a
streamed corpus into mergeable statistics (`tokdash.scale.pipeline`, `tokdash.scale.jobs`)."""
