"""Run-time settings read from the environment (no UI imports)."""

from __future__ import annotations

import os


def hosted_mode() -> bool:
    """``TOKDASH_HOSTED=1``: a demo for strangers (uploads only, no local paths, tight bounds)."""
    return os.environ.get("TOKDASH_HOSTED", "").strip().lower() in ("1", "true", "yes", "on")


#: Upload bounds (bytes, all files of one upload together); the hosted demo uses the smaller.
MAX_UPLOAD_BYTES = 200_000_000
MAX_UPLOAD_BYTES_HOSTED = 20_000_000


def max_upload_bytes() -> int:
    """The upload bound in force (smaller in hosted mode)."""
    return MAX_UPLOAD_BYTES_HOSTED if hosted_mode() else MAX_UPLOAD_BYTES


#: Default tokenizers shown on first start: the paper's base and three common code tokenizers.
DEFAULT_TOKENIZERS = ("llama2", "cl100k_base", "o200k_base", "starcoder2")
