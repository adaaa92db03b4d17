"""The paper's findings (Dagan, Synnaeve & Rozière 2024), checked on a measured comparison.

Input: a `tokdash.analysis.compare.Comparison` table (one row per tokenizer x language plus
``ALL``, the base tokenizer's own rows included). Each finding is a pure function of
per-category NSL (`category_nsl`) returning one row: the claim, the measured number(s), the
paper's figure, its source and whether it holds (``yes`` / ``partial`` / ``no`` / ``n/a``).

Languages are datasets; ``english`` is the English category, every other language is code
(the sample corpora, uploads and folders tag prose as ``english``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

from tokdash.analysis import metrics
from tokdash.analysis.compare import Progress, run_comparison
from tokdash.analysis.ratios import ratio, saved_per_doubling
from tokdash.errors import TokdashError
from tokdash.tokenizers.catalog import CATALOG, PAPER_BASE, PAPER_COMMIT, PAPER_ENTRIES, PAPER_REPO

PAPER = (
    "Dagan, Synnaeve & Rozière 2024, Getting the most out of your tokenizer for pre-training "
    "and domain adaptation"
)
RESULTS_SOURCE = (
    f"{PAPER_REPO}@{PAPER_COMMIT[:7]} compression_results.csv (MIT): GPT-4-regex BPE, "
    "70% code, NSL vs Llama 2"
)

#: Transcribed (rounded to 4 decimals) from the authors' ``compression_results.csv``
#: (RESULTS_SOURCE): rows ``..._cp_0.7_..._nrn_gpt_..._vs_N``, columns ``average code
#: compression``, ``average english compression`` and ``python Compression``. NSL = tokens of a
#: byte-level BPE with the GPT-4 pre-tokenization regex trained on 70% code / tokens of Llama 2;
#: category values are the authors' averaging (mean over datasets). (vocab, code, english, python)
REFERENCE_NSL: tuple[tuple[int, float, float, float], ...] = (
    (10000, 0.9187, 1.1742, 0.8999),
    (12000, 0.8964, 1.1408, 0.8781),
    (16000, 0.8649, 1.0867, 0.8475),
    (20000, 0.8430, 1.0491, 0.8256),
    (24000, 0.8273, 1.0212, 0.8093),
    (32000, 0.8049, 0.9847, 0.7880),
    (40000, 0.7897, 0.9584, 0.7736),
    (48000, 0.7789, 0.9392, 0.7636),
    (56000, 0.7709, 0.9255, 0.7557),
    (64000, 0.7642, 0.9137, 0.7491),
    (72000, 0.7587, 0.9048, 0.7437),
    (80000, 0.7540, 0.8972, 0.7394),
    (96000, 0.7463, 0.8844, 0.7326),
    (100000, 0.7447, 0.8815, 0.7310),
    (128000, 0.7355, 0.8667, 0.7227),
    (160000, 0.7280, 0.8554, 0.7165),
    (192000, 0.7219, 0.8475, 0.7122),
    (224000, 0.7178, 0.8410, 0.7085),
    (256000, 0.7143, 0.8361, 0.7059),
)

ENGLISH = "english"
#: The English corpus finding 3 falls back on when the user's corpus has none (shipped sample).
ENGLISH_REFERENCE = "sample:english"
CODE = "code"
AVERAGING = {
    "total": "total over total: all tokens of T / all tokens of the base, over the documents of "
    "the category",
    "paper": "the authors' way: NSL per language (dataset), then the unweighted mean within the "
    "category",
}
VOCAB_SIZES = (32, 64, 80)
REGEXES = {"gpt4": "GPT-4 regex", "punct": "Punct", "identity": "Identity"}
MERGED = "paper-merged-80k"
GPT4_TIKTOKEN = "cl100k_base"
PAPER_IDS: tuple[str, ...] = tuple(e.id for e in PAPER_ENTRIES)
#: Tokenizers with the GPT-4 pre-tokenization regex: GPT-4's own and the paper's.
GPT4_CLASS_IDS: tuple[str, ...] = (GPT4_TIKTOKEN, *(f"paper-gpt4-{k}k" for k in VOCAB_SIZES))
FINDING_COLUMNS = ["finding", "claim", "measured", "paper", "source", "holds"]
POINT_COLUMNS = ["tokenizer", "group", "vocab_size", "code_nsl", "english_nsl", "overall_nsl"]


def reference_curve() -> pd.DataFrame:
    """REFERENCE_NSL as a table: vocab_size, code_nsl, english_nsl, python_nsl."""
    return pd.DataFrame(
        REFERENCE_NSL, columns=["vocab_size", "code_nsl", "english_nsl", "python_nsl"]
    )


def paper_id(regex: str, k: int) -> str:
    """Catalog id of the paper's tokenizer with ``regex`` (gpt4|punct|identity) and ``k``k."""
    return f"paper-{regex}-{k}k"


def check_tokenizer_ids() -> list[str]:
    """What a paper check encodes: the base, GPT-4's own tokenizer and the paper's ten."""
    return [PAPER_BASE, GPT4_TIKTOKEN, *PAPER_IDS]


def group_of(tokenizer_id: str) -> str:
    """Legend group of a tokenizer on the NSL-vs-vocabulary chart."""
    if tokenizer_id == PAPER_BASE:
        return "base (Llama 2)"
    if tokenizer_id == GPT4_TIKTOKEN:
        return "GPT-4 (cl100k_base)"
    if tokenizer_id == MERGED:
        return "paper: merged (Code Llama extended)"
    for regex, label in REGEXES.items():
        if tokenizer_id.startswith(f"paper-{regex}-"):
            return f"paper: {label}"
    if tokenizer_id in CATALOG:
        return "catalog"
    return "yours (trained or uploaded)"


def category_of(language: str) -> str:
    """``english`` for English prose, ``code`` for every other language."""
    return ENGLISH if language == ENGLISH else CODE


def gains_per_doubling(points: Sequence[tuple[float, float]]) -> list[float]:
    """Tokens saved per doubling of the vocabulary between consecutive points.

    ``points`` = (vocab_size, nsl) sorted by vocab_size; gain_i =
    `tokdash.analysis.ratios.saved_per_doubling` = 1 - (nsl_{i+1} / nsl_i) **
    (1 / log2(vocab_{i+1} / vocab_i)). E.g. (32000, 0.8), (64000, 0.72), (128000, 0.684) ->
    [0.1, 0.05].
    """
    out = []
    for (v0, n0), (v1, n1) in zip(points, points[1:], strict=False):
        if v1 <= v0:
            raise TokdashError("vocabulary sizes must increase")
        out.append(saved_per_doubling(v0, n0, v1, n1))
    return out


def shared_prefix(base_vocab: Sequence[bytes], vocab: Sequence[bytes]) -> int:
    """How many of ``base_vocab``'s ids have the same token bytes in ``vocab`` (same id)."""
    return sum(1 for i, b in enumerate(base_vocab) if i < len(vocab) and vocab[i] == b)


def category_nsl(table: pd.DataFrame, base: str, averaging: str = "total") -> pd.DataFrame:
    """Per tokenizer: NSL vs ``base`` on code, on English and overall (POINT_COLUMNS).

    ``table``: `Comparison.table()` rows (tokenizer, language, tokens, nsl, vocab_size), with
    the base's own rows. ``averaging="total"``: code NSL = sum of T's tokens over the code
    languages / sum of the base's tokens over them (English alike), overall = the ``ALL`` row.
    ``"paper"``: `metrics.nsl_paper_average` of the per-language NSLs (mean within category),
    overall = the mean of the category means. NaN where a category has no document.
    """
    if averaging not in AVERAGING:
        raise TokdashError(f"averaging must be one of {', '.join(AVERAGING)}, not {averaging!r}")
    per_lang = table[table["language"] != metrics.ALL]
    base_rows = per_lang[per_lang["tokenizer"] == base].set_index("language")
    if base_rows.empty:
        raise TokdashError(f"the table has no rows for the base tokenizer {base!r}: include it")
    rows = []
    for tid in dict.fromkeys(table["tokenizer"]):
        own = per_lang[per_lang["tokenizer"] == tid].set_index("language")
        cats = {lang: category_of(lang) for lang in own.index}
        if averaging == "paper":
            avg = metrics.nsl_paper_average(own["nsl"].to_dict(), cats)
            code, english = avg.get(CODE, math.nan), avg.get(ENGLISH, math.nan)
            overall = avg["average"] if len(own) else math.nan
        else:
            sums = {}
            for cat in (CODE, ENGLISH):
                langs = [lang for lang, c in cats.items() if c == cat]
                sums[cat] = ratio(
                    own.loc[langs, "tokens"].sum(), base_rows.reindex(langs)["tokens"].sum()
                )
            code, english = sums[CODE], sums[ENGLISH]
            all_row = table[(table["tokenizer"] == tid) & (table["language"] == metrics.ALL)]
            overall = float(all_row["nsl"].iloc[0]) if len(all_row) else math.nan
        rows.append(
            {
                "tokenizer": tid,
                "group": group_of(tid),
                "vocab_size": int(own["vocab_size"].iloc[0]) if len(own) else 0,
                "code_nsl": code,
                "english_nsl": english,
                "overall_nsl": overall,
            }
        )
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


def _get(nsl: pd.DataFrame, tid: str, column: str = "code_nsl") -> float:
    """One measured value (NaN when the tokenizer is absent)."""
    hit = nsl.loc[nsl["tokenizer"] == tid, column]
    return float(hit.iloc[0]) if len(hit) else math.nan


def _present(value: float) -> bool:
    return not math.isnan(value)


def _verdict(checks: Iterable[bool]) -> str:
    checks = list(checks)
    if not checks:
        return "n/a"
    if all(checks):
        return "yes"
    return "partial" if any(checks) else "no"


def _row(n: int, claim: str, measured: str, paper: str, source: str, holds: str) -> dict:
    return dict(zip(FINDING_COLUMNS, (n, claim, measured, paper, source, holds), strict=True))


def _scaling_text(pts: list[tuple[int, float]], gains: list[float]) -> str:
    """``32k 0.805, 64k 0.764; tokens saved per doubling 32k-64k 0.051``."""
    sizes = [f"{v // 1000}k" for v, _ in pts]
    steps = [f"{a}-{b} {g:.3f}" for a, b, g in zip(sizes, sizes[1:], gains, strict=False)]
    values = ", ".join(f"{k} {n:.3f}" for k, (_, n) in zip(sizes, pts, strict=True))
    return f"{values}; tokens saved per doubling {', '.join(steps)}"


def finding_vocab_scaling(nsl: pd.DataFrame) -> dict:
    """1. NSL of the GPT-4-regex tokenizers falls as vocabulary grows, by less per doubling.

    yes: NSL falls at every step and the gain per doubling shrinks; partial: it falls but the
    gains do not shrink (or only two sizes are measured); no: it does not fall; n/a: < 2 sizes.
    """
    claim = (
        "NSL vs Llama 2 of the GPT-4-regex tokenizers on code falls as the vocabulary grows, "
        "with a shrinking share of tokens saved per doubling"
    )
    ref = reference_curve().set_index("vocab_size")["code_nsl"]
    ref_pts = [(v, ref[v]) for v in (32000, 64000, 80000, 128000, 256000)]
    ref_gain = gains_per_doubling(ref_pts)
    paper = _scaling_text(ref_pts, ref_gain)
    pts = []
    for k in VOCAB_SIZES:
        tid = paper_id("gpt4", k)
        value = _get(nsl, tid)
        if _present(value):
            pts.append((int(_get(nsl, tid, "vocab_size")), value))
    if len(pts) < 2:
        measured = "needs at least two of paper-gpt4-32k/64k/80k"
        return _row(1, claim, measured, paper, RESULTS_SOURCE, "n/a")
    gains = gains_per_doubling(pts)
    falls = all(g > 0 for g in gains)
    shrinks = len(gains) >= 2 and all(a > b for a, b in zip(gains, gains[1:], strict=False))
    holds = "yes" if falls and shrinks else ("partial" if falls else "no")
    measured = _scaling_text(pts, gains)
    return _row(1, claim, measured, paper, RESULTS_SOURCE, holds)


def finding_pretokenization(nsl: pd.DataFrame) -> dict:
    """2. Identity (no pre-tokenization) compresses code best; Punct less than GPT-4.

    At each vocabulary size with all three measured: NSL identity < GPT-4 and GPT-4 < Punct.
    yes: every check holds; partial: some; no: none; n/a: no complete size.
    """
    claim = (
        "Identity (no pre-tokenization) compresses code best; Punct compresses less than GPT-4 "
        "(same vocabulary size)"
    )
    paper = "code NSL: Identity < GPT-4 regex < Punct at every vocabulary size"
    source = f"{PAPER}, pre-tokenization comparison; tokenizers from {PAPER_REPO}"
    checks, parts = [], []
    for k in VOCAB_SIZES:
        vals = {r: _get(nsl, paper_id(r, k)) for r in REGEXES}
        if not all(_present(v) for v in vals.values()):
            continue
        checks += [vals["identity"] < vals["gpt4"], vals["gpt4"] < vals["punct"]]
        parts.append(
            f"{k}k: identity {vals['identity']:.3f}, GPT-4 {vals['gpt4']:.3f}, "
            f"punct {vals['punct']:.3f}"
        )
    measured = "; ".join(parts) or "needs the paper's GPT-4, Punct and Identity tokenizers"
    return _row(2, claim, measured, paper, source, _verdict(checks))


def finding_code_vs_english(nsl: pd.DataFrame, english_note: str = "") -> dict:
    """3. GPT-4-class tokenizers (the GPT-4 regex) need fewer tokens than Llama 2 on code, and
    gain more on code than on English: code NSL < 1 and code NSL < English NSL, per tokenizer.
    """
    claim = "GPT-4-class tokenizers need fewer tokens than Llama 2 on code, more so than on English"
    ref = reference_curve().set_index("vocab_size")
    paper = "; ".join(
        f"GPT-4 regex {v // 1000}k: code {ref.loc[v, 'code_nsl']:.3f}, English "
        f"{ref.loc[v, 'english_nsl']:.3f}"
        for v in (32000, 80000)
    )
    checks, parts = [], []
    for tid in GPT4_CLASS_IDS:
        code, english = _get(nsl, tid), _get(nsl, tid, "english_nsl")
        if not (_present(code) and _present(english)):
            continue
        checks.append(code < 1 and code < english)
        parts.append(f"{tid}: code {code:.3f}, English {english:.3f}")
    if parts:
        measured = "; ".join(parts) + (f" ({english_note})" if english_note else "")
    else:
        measured = "needs code and English documents and cl100k_base or paper-gpt4-*"
    return _row(3, claim, measured, paper, RESULTS_SOURCE, _verdict(checks))


def finding_merged(nsl: pd.DataFrame, kept: tuple[int, int] | None = None) -> dict:
    """4. The merged 80k tokenizer (Code Llama's vocabulary extended) gains over Llama 2 without
    replacing it: code NSL < 1, and every Llama 2 token keeps its id (``kept`` = (same, of))."""
    claim = "The merged tokenizer (Code Llama extended) gains over Llama 2 without replacing it"
    entry = CATALOG[MERGED]
    paper = (
        f"Code Llama's vocabulary extended with code tokens ({entry.vocab_size:,} in all) "
        "instead of replaced; fewer tokens than Llama 2 on code"
    )
    source = f"{PAPER}; {PAPER_REPO} tokenizers/merged_80k.model"
    code = _get(nsl, MERGED)
    if not _present(code):
        return _row(4, claim, f"needs {MERGED}", paper, source, "n/a")
    checks = [code < 1]
    measured = f"code NSL {code:.3f}"
    if kept is not None:
        same, of = kept
        checks.append(same == of)
        measured += f"; {same:,} of {of:,} Llama 2 tokens at the same id"
    return _row(4, claim, measured, paper, source, _verdict(checks))


def check_findings(
    table: pd.DataFrame,
    base: str = PAPER_BASE,
    averaging: str = "total",
    *,
    english_table: pd.DataFrame | None = None,
    kept: tuple[int, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The four findings (FINDING_COLUMNS) and the measured points (POINT_COLUMNS).

    ``english_table`` (a comparison on an English reference corpus) supplies English NSL when
    ``table`` has no English document (overall NSL stays the corpus's own); ``kept`` = (Llama 2
    ids kept by the merged tokenizer, Llama 2's vocabulary size), see `shared_prefix`.
    """
    nsl = category_nsl(table, base, averaging)
    note = ""
    if nsl["english_nsl"].isna().all() and english_table is not None:
        ref = category_nsl(english_table, base, averaging).set_index("tokenizer")["english_nsl"]
        nsl["english_nsl"] = nsl["tokenizer"].map(ref)
        note = "English from the reference corpus"
    findings = pd.DataFrame(
        [
            finding_vocab_scaling(nsl),
            finding_pretokenization(nsl),
            finding_code_vs_english(nsl, note),
            finding_merged(nsl, kept),
        ],
        columns=FINDING_COLUMNS,
    )
    return findings, nsl


def run_check(
    tokenizers: Sequence,
    documents: Sequence,
    languages: Sequence[str],
    averaging: str = "total",
    *,
    english_documents: Sequence | None = None,
    encode=None,
    english_encode=None,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """Encode ``documents`` with ``tokenizers`` (Llama 2 among them) and check the findings.

    ``english_documents`` (a small English reference corpus) is encoded too, only when
    ``languages`` has no English; ``encode`` / ``english_encode`` are
    cached encoders as in `run_comparison`. Returns (findings, points, English reference used).
    """
    base = next((t for t in tokenizers if t.id == PAPER_BASE), None)
    if base is None:
        raise TokdashError(f"the paper check needs {PAPER_BASE} (its base): run `tokdash fetch`")
    cmp = run_comparison(tokenizers, documents, base, progress=progress, encode=encode)
    english_table = None
    if ENGLISH not in languages and english_documents:
        english_table = run_comparison(
            tokenizers, english_documents, base, encode=english_encode
        ).table()
    merged = next((t for t in tokenizers if t.id == MERGED), None)
    kept = None
    if merged is not None:
        base_vocab = base.vocab_bytes()
        kept = (shared_prefix(base_vocab, merged.vocab_bytes()), len(base_vocab))
    findings, points = check_findings(
        cmp.table(), PAPER_BASE, averaging, english_table=english_table, kept=kept
    )
    return findings, points, english_table is not None
