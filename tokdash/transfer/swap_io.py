"""Embedding matrices in and out for a tokenizer swap: safetensors checkpoints (never pickle),
random-init preset models, the saved swap file and the candidate's tokenizer file.

torch is imported only inside the functions that need it (bfloat16 has no numpy dtype).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tokdash.errors import TokdashError
from tokdash.paths import user_path
from tokdash.settings import LOCAL, Limits
from tokdash.tokenizers import Tokenizer
from tokdash.transfer import fvt

#: Tensor names of input embeddings / output layers in common checkpoints (suffix match).
INPUT_KEYS = (
    "embed_tokens.weight",
    "wte.weight",
    "word_embeddings.weight",
    "tok_embeddings.weight",
    "embed_in.weight",
)
OUTPUT_KEYS = ("lm_head.weight", "embed_out.weight", "output.weight")
LLAMA_KEYS = ("model.embed_tokens.weight", "lm_head.weight")
#: Name of the candidate id -> row map saved with an "extend" matrix.
MAP_KEY = "tokdash.candidate_to_row"
#: Largest random-init model built whole; bigger presets only get their embedding matrices.
MAX_BUILT_PARAMS = 300_000_000


@dataclass
class Embeddings:
    """A model's input embedding and output layer as float32 arrays (``output`` None: tied)."""

    input: np.ndarray
    output: np.ndarray | None
    input_key: str = LLAMA_KEYS[0]
    output_key: str = LLAMA_KEYS[1]
    dtype: str = "float32"
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def tied(self) -> bool:
        """Whether the output layer is the input embedding."""
        return self.output is None


def _safetensors_files(path: Path) -> list[Path]:
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.safetensors"))
    else:
        raise TokdashError(f"{path}: no such checkpoint file or folder")
    if not files or any(f.suffix != ".safetensors" for f in files):
        pickled = path.is_dir() and any(path.glob("*.bin"))
        raise TokdashError(
            f"{path}: no .safetensors file"
            + (" (only .bin pickles, which are not loaded for safety)" if pickled else "")
            + "; convert the checkpoint to safetensors first."
        )
    return files


def _dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


def read_checkpoint(path: str | Path, vocab_size: int, *, limits: Limits = LOCAL) -> Embeddings:
    """The embedding (and untied output layer) of a local safetensors checkpoint.

    Looks for the usual tensor names (`INPUT_KEYS`, `OUTPUT_KEYS`) across all ``*.safetensors``
    files of a folder; no other tensor is read, no code from the folder is run. Refused when
    ``limits.local_paths`` is off (the hosted demo).
    """
    from safetensors import safe_open

    if not limits.local_paths:
        raise TokdashError("the hosted demo does not read local checkpoints: use a preset shape")
    path = user_path(path, "checkpoint")
    found: dict[str, tuple[Path, str]] = {}
    for f in _safetensors_files(path):
        try:
            with safe_open(str(f), framework="pt") as st:
                for key in st.keys():  # noqa: SIM118 (safe_open is not a dict)
                    for kind, names in (("input", INPUT_KEYS), ("output", OUTPUT_KEYS)):
                        if kind not in found and any(key.endswith(n) for n in names):
                            found[kind] = (f, key)
        except Exception as exc:  # safetensors raises its own error types for bad headers
            raise TokdashError(f"{f.name}: not a readable safetensors file: {exc}") from exc
    if "input" not in found:
        raise TokdashError(
            f"{path}: no input embedding found (looked for tensors named *{', *'.join(INPUT_KEYS)})"
        )

    def load(kind: str):
        f, key = found[kind]
        with safe_open(str(f), framework="pt") as st:
            return key, st.get_tensor(key)

    in_key, t_in = load("input")
    dtype = _dtype_name(t_in)
    emb = Embeddings(t_in.float().numpy(), None, input_key=in_key, dtype=dtype, source=str(path))
    if "output" in found:
        emb.output_key, t_out = load("output")
        emb.output = t_out.float().numpy()
    else:
        emb.output_key = ""
        emb.notes.append("no output layer tensor: tied to the input embedding")
    for name, m in (("input embedding", emb.input), ("output layer", emb.output)):
        if m is not None and (m.ndim != 2 or m.shape[0] < vocab_size):
            raise TokdashError(
                f"{path}: the {name} has shape {tuple(m.shape)}, fewer rows than the "
                f"tokenizer's {vocab_size:,} ids: is this the model's tokenizer?"
            )
    return emb


def random_init(shape, seed: int = 0) -> Embeddings:
    """Embeddings of a random-init model of ``shape`` (a costmodel.ModelShape).

    Builds the speed page's model (``models.build_model``, a real LlamaForCausalLM) when it has
    at most `MAX_BUILT_PARAMS` parameters; a bigger shape only gets its embedding matrices,
    drawn from the distribution Llama initialises with: normal(0, 0.02), fp32.
    """
    from tokdash.speed import costmodel
    from tokdash.speed.models import build_model

    if costmodel.param_counts(shape)["total"] <= MAX_BUILT_PARAMS:
        model = build_model(shape, dtype="float32", device="cpu", seed=seed)
        w_in = model.get_input_embeddings().weight.detach().float().numpy().copy()
        out = model.get_output_embeddings()
        tied = (
            shape.tie_embeddings or out is None or out.weight is model.get_input_embeddings().weight
        )
        w_out = None if tied else out.weight.detach().float().numpy().copy()
        del model
        return Embeddings(w_in, w_out, source=f"random-init {shape.name} (models.build_model)")
    rng = np.random.default_rng(seed)
    size = (shape.vocab_size, shape.d_model)
    w_in = rng.standard_normal(size, dtype=np.float32) * np.float32(0.02)
    w_out = None
    if not shape.tie_embeddings:
        w_out = rng.standard_normal(size, dtype=np.float32) * np.float32(0.02)
    return Embeddings(w_in, w_out, source=f"random-init {shape.name} (normal(0, 0.02))")


@dataclass
class SwapResult:
    """New input/output matrices for the candidate vocabulary and how they were made."""

    input: np.ndarray
    output: np.ndarray | None
    mode: str
    fallback: str
    sources: object  # pandas DataFrame from transfer.source_table
    candidate_to_row: np.ndarray | None = None


def build_swap(emb: Embeddings, plan: fvt.TransferPlan, mode: str, fallback: str) -> SwapResult:
    """FVT ("fvt") or extended ("extend") matrices for ``plan``; a tied model stays tied."""
    if mode not in fvt.MODES:
        raise TokdashError(f"unknown mode {mode!r}; choose one of {', '.join(fvt.MODES)}")
    mapping = None
    if mode == "fvt":
        new_in = fvt.fvt_matrix(emb.input, plan, fallback=fallback)
        new_out = None if emb.tied else fvt.fvt_matrix(emb.output, plan, fallback=fallback)
    else:
        new_in, mapping = fvt.extend_matrix(emb.input, plan, fallback=fallback)
        new_out = None
        if not emb.tied:
            new_out, _ = fvt.extend_matrix(emb.output, plan, fallback=fallback)
    table = fvt.source_table(plan, mode, fallback)
    if mode == "extend":
        table.loc[0, "rows"] = emb.input.shape[0]
    return SwapResult(new_in, new_out, mode, fallback, table, mapping)


def save_swap(
    path: str | Path,
    result: SwapResult,
    emb: Embeddings,
    plan: fvt.TransferPlan,
    dtype: str | None = None,
) -> Path:
    """Write the new matrices as safetensors under the checkpoint's own tensor names (and the
    ``extend`` id map), in the checkpoint's dtype unless ``dtype`` is given."""
    import torch
    from safetensors.torch import save_file

    dtype = dtype or emb.dtype
    try:
        tdtype = getattr(torch, dtype)
    except AttributeError as exc:
        raise TokdashError(f"unknown dtype {dtype!r}") from exc
    tensors = {emb.input_key: torch.from_numpy(np.ascontiguousarray(result.input)).to(tdtype)}
    if result.output is not None:
        tensors[emb.output_key or LLAMA_KEYS[1]] = torch.from_numpy(
            np.ascontiguousarray(result.output)
        ).to(tdtype)
    if result.candidate_to_row is not None:
        tensors[MAP_KEY] = torch.from_numpy(result.candidate_to_row.astype(np.int64))
    counts = dict(zip(result.sources["source"], result.sources["rows"].astype(int), strict=True))
    meta = {
        "format": "pt",
        "tokdash_mode": result.mode,
        "tokdash_fallback": fvt.FALLBACKS[result.fallback],
        "current_tokenizer": plan.old_id,
        "candidate_tokenizer": plan.new_id,
        "row_sources": json.dumps({k: int(v) for k, v in counts.items()}),
        "tied": str(result.output is None).lower(),
    }
    out = Path(path).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(out), metadata=meta)
    except OSError as exc:
        raise TokdashError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out


# ----- the candidate's tokenizer file -----------------------------------------------------------
def _onig_pattern(pattern: str) -> str:
    """tiktoken's regex for HF tokenizers' Oniguruma: ``{m,n}+`` is possessive in Rust/PCRE but
    "repeat again" in Oniguruma; a greedy ``{m,n}`` splits the same at the end of an alternative."""
    import re

    return re.sub(r"(\{\d+(?:,\d*)?\})\+", r"\1", pattern)


def _tiktoken_json(tok) -> str:
    """A byte-level BPE tokenizer.json equivalent to a tiktoken encoding (same ids)."""
    from tokenizers import Regex, decoders, models, pre_tokenizers
    from tokenizers import Tokenizer as Raw

    from tokdash.tokenizers.hf_backend import _byte_decoder
    from tokdash.tokenizers.tiktoken_backend import encoding_parts

    enc = tok.encoding
    parts = encoding_parts(enc)
    ranks = parts.ranks
    to_str = {b: c for c, b in _byte_decoder().items()}

    def s(b: bytes) -> str:
        return "".join(to_str[x] for x in b)

    merges: list[tuple[int, int, int, bytes, bytes]] = []
    for token, rank in ranks.items():
        for k in range(1, len(token)):
            left, right = token[:k], token[k:]
            if left in ranks and right in ranks:
                merges.append((rank, ranks[left], ranks[right], left, right))
    merges.sort()
    model = models.BPE(
        {s(b): r for b, r in ranks.items()},
        [(s(m[3]), s(m[4])) for m in merges],
        ignore_merges=True,
    )
    raw = Raw(model)
    raw.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_onig_pattern(parts.pattern)), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    raw.decoder = decoders.ByteLevel()
    spec = json.loads(raw.to_str())
    # Ids that are not ranks: the special tokens, and unused gap ids (cl100k has some) filled
    # with placeholders so every id keeps its number.
    named = {i: name for name, i in parts.special_tokens.items()}
    used = set(ranks.values())
    spec["added_tokens"] = [
        {
            "id": i,
            "content": named.get(i, f"<|tokdash_unused_{i}|>"),
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i in range(enc.n_vocab)
        if i not in used
    ]
    return json.dumps(spec, ensure_ascii=False)


def tokenizer_file(tok: Tokenizer) -> tuple[str, bytes]:
    """The candidate tokenizer as a file to ship with the new embeddings: ``tokenizer.json``
    (HF, or converted from tiktoken with the same ids) or ``tokenizer.model`` (SentencePiece)."""
    from tokdash.tokenizers.hf_backend import HFTokenizer
    from tokdash.tokenizers.spm_backend import SentencePieceTokenizer
    from tokdash.tokenizers.tiktoken_backend import TiktokenTokenizer

    if isinstance(tok, HFTokenizer):
        return "tokenizer.json", tok.raw.to_str().encode("utf-8")
    if isinstance(tok, SentencePieceTokenizer):
        return "tokenizer.model", tok.processor.serialized_model_proto()
    if isinstance(tok, TiktokenTokenizer):
        return "tokenizer.json", _tiktoken_json_cached(tok)
    raise TokdashError(f"{tok.name}: no tokenizer file can be written for this backend")


#: Bump when `_tiktoken_json` changes, so cached conversions are redone.
TIKTOKEN_JSON_VERSION = 1


def _tiktoken_json_cached(tok: Tokenizer) -> bytes:
    """`_tiktoken_json` of a catalog encoding is converted once (seconds) and then read from the
    vocabulary cache; other encodings (user files) are converted every time."""
    from tokdash.tokenizers import fetch
    from tokdash.tokenizers.catalog import CATALOG

    if tok.id not in CATALOG:
        return _tiktoken_json(tok).encode("utf-8")
    path = fetch.derived_path(f"{tok.id}.from-tiktoken.v{TIKTOKEN_JSON_VERSION}.json")
    if path.is_file():
        return path.read_bytes()
    data = _tiktoken_json(tok).encode("utf-8")
    fetch.write_derived(path.name, data)
    return data


def save_tokenizer(tok: Tokenizer, folder: str | Path) -> Path:
    """Write `tokenizer_file` into ``folder``; returns its path."""
    name, data = tokenizer_file(tok)
    out = Path(folder).expanduser() / name
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise TokdashError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out
