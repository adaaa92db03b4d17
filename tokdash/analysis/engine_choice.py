"""Which engine encodes a corpus for a tokenizer: the fastest one proven exact, else the reference.

``auto``: a catalog tokenizer uses the shipped proof records (`tokdash.tokenizers.proofs`); a
user's own tokenizer is proven once, on first use, on the adversarial set plus a sample of the
corpus (records cached per content digest). ``reference`` forces the tokenizer's own library; a
candidate's name forces that engine (the run-time guard still checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

from tokdash.errors import TokdashError
from tokdash.tokenizers.base import Tokenizer, memo
from tokdash.tokenizers.engines import BUILDERS, REFERENCE, Engine, build_engine

AUTO = "auto"
MODES = (AUTO, REFERENCE, *BUILDERS)
#: Documents of the user's corpus a first-use proof also encodes (plus the adversarial set).
FIRST_USE_SAMPLE = 50
#: Below this many bytes of text ``auto`` keeps the reference: building a fast engine (0.1-1.2 s
#: for the catalog's vocabularies) costs more than it saves on a corpus this small.
ENGINE_MIN_BYTES = 4_000_000


def check_mode(mode: str) -> str:
    """``mode`` if known, else a TokdashError listing the choices."""
    if mode not in MODES:
        raise TokdashError(f"unknown engine {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def _small(documents: Sequence) -> bool:
    """Whether ``documents`` hold fewer than `ENGINE_MIN_BYTES` (counted up to the bound)."""
    total = 0
    for d in documents:
        total += len(d.text)  # characters: a lower bound of the bytes
        if total >= ENGINE_MIN_BYTES:
            return False
    return True


def choose_engine(tok, mode: str = AUTO, documents: Sequence = ()) -> Engine | None:
    """The engine for ``tok`` (None: the reference, through ``tok.encode_batch``). ``auto`` on
    a corpus under `ENGINE_MIN_BYTES` keeps the reference (same ids, no engine to build); with
    no documents (a worker of a large job) the engine is chosen as for a large corpus."""
    check_mode(mode)
    if mode == REFERENCE or not isinstance(tok, Tokenizer):
        return None
    if mode != AUTO:
        return build_engine(mode, tok)
    if documents and _small(documents):
        return None
    return memo(tok, "auto_engine", lambda: _auto_engine(tok, documents))


def _auto_engine(tok, documents: Sequence) -> Engine | None:
    """The fastest proven engine (proving a user's tokenizer first); built once per loaded
    tokenizer by `choose_engine`."""
    from tokdash.tokenizers.catalog import CATALOG
    from tokdash.tokenizers.proofs import best_engine, prove_on_first_use

    engine, record = best_engine(tok)
    if record is None and tok.id not in CATALOG:
        step = max(1, len(documents) // FIRST_USE_SAMPLE)
        prove_on_first_use(tok, list(documents)[::step][:FIRST_USE_SAMPLE])
        engine, record = best_engine(tok)
    return None if record is None else engine
