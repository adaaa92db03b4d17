"""Corpus scale: ``python -m tokdash compare`` streamed through the datatrove pipeline, MB/s and
peak memory of the whole process tree against corpus size and workers.

Corpora are written here from the Python standard library's own ``.py`` files (no
site-packages), repeated: a ``.jsonl`` of each size (``{"text": ..., "language": "python"}``
per line), and with ``--folder`` a folder of N files of ~``--file-kb`` KB (consecutive library
files joined, so that 30,000 files hold ~630 MB). Every run checks its totals exactly:
documents, bytes and tokens must equal what the corpus holds (tokens = sum over the distinct
files of multiplicity x ``len(tiktoken encode)``).

Peak memory is sampled every 0.1 s over the CLI process and all its descendants (the datatrove
pool and anything they start) with psutil: the largest sum of RSS (every 0.1 s; shared
pages counted once per process: an upper bound) and the largest sum of PSS (every second, as
reading it costs more; shared pages split between the processes that map them: what the tree
really holds).

    python benchmarks/scale_bench.py                      # 0.25, 0.5, 1, 2 GB x workers 1, 2
    python benchmarks/scale_bench.py --sizes 0.25 1 --workers 2
    python benchmarks/scale_bench.py --folder 30000 --sizes   # 30,000 files of ~21 KB only
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_results  # noqa: E402

TOKENIZER = "cl100k_base"


def stdlib_texts() -> list[tuple[str, str]]:
    """(relative path, text) of the standard library's .py files that decode as UTF-8."""
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root)
        if any(
            part in ("site-packages", "__pycache__") or part.startswith(".") for part in rel.parts
        ):
            continue
        try:
            text = p.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if text.strip() and "\x00" not in text and max(map(len, text.splitlines() or [""])) < 1e6:
            out.append((rel.as_posix(), text))
    return out


def token_counts(texts: list[tuple[str, str]]) -> list[int]:
    """Tokens of each text by the reference (tiktoken for cl100k_base), one text at a time."""
    from tokdash.tokenizers import get_tokenizer

    ref = get_tokenizer(TOKENIZER)
    return [len(ref.encode(t)) for _, t in texts]


def write_jsonl(path: Path, texts, target_bytes: int) -> dict:
    """Repeat the texts until ``target_bytes`` of JSON lines; returns the expected totals."""
    lines = [(json.dumps({"text": t, "language": "python"}) + "\n").encode() for _, t in texts]
    mult = [0] * len(texts)
    size = 0
    with path.open("wb") as fh:
        while size < target_bytes:
            for i, line in enumerate(lines):
                fh.write(line)
                mult[i] += 1
                size += len(line)
                if size >= target_bytes:
                    break
    return {"mult": mult, "file_bytes": size}


def pack(texts: list[tuple[str, str]], file_bytes: int) -> list[tuple[str, str]]:
    """The library's text cut, at line ends, into files of about ``file_bytes`` bytes."""
    out, part, size = [], [], 0
    for _, text in texts:
        for line in text.splitlines(keepends=True):
            part.append(line)
            size += len(line.encode())
            if size >= file_bytes:
                out.append((f"f{len(out):05d}.py", "".join(part)))
                part, size = [], 0
    if part:
        out.append((f"f{len(out):05d}.py", "".join(part)))
    return out


def write_folder(path: Path, texts, n_files: int) -> dict:
    mult = [0] * len(texts)
    for k in range(n_files):
        i = k % len(texts)
        rel, text = texts[i]
        dest = path / f"copy{k // len(texts):03d}" / rel.replace("/", "_")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        mult[i] += 1
    return {
        "mult": mult,
        "file_bytes": sum(f.stat().st_size for f in path.rglob("*") if f.is_file()),
    }


def run_cli(corpus: Path, workers: int, out: Path) -> tuple[float, float]:
    """Wall seconds, peak RSS sum and peak PSS sum (MB, the whole process tree) of one compare."""
    cmd = [
        sys.executable, "-m", "tokdash", "compare", "-t", TOKENIZER, "--base", "",
        "--corpus", str(corpus), "--workers", str(workers), "--out", str(out),
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = peak_pss = 0
    last_pss = 0.0
    while proc.poll() is None:
        rss = pss = 0
        want_pss = time.monotonic() - last_pss >= 1.0  # PSS reads smaps: once a second
        try:
            for p in [root, *root.children(recursive=True)]:
                if want_pss:
                    info = p.memory_full_info()
                    rss, pss = rss + info.rss, pss + info.pss
                else:
                    rss += p.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, rss)
        if want_pss:
            peak_pss, last_pss = max(peak_pss, pss), time.monotonic()
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read()
    if proc.returncode:
        raise SystemExit(f"compare failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, peak / 1e6, peak_pss / 1e6


def check(out: Path, texts, tokens, expected) -> dict:
    row = pd.read_csv(out).query("language == 'ALL'").iloc[0]
    docs = sum(expected["mult"])
    text_bytes = sum(m * len(t.encode()) for m, (_, t) in zip(expected["mult"], texts, strict=True))
    toks = sum(m * n for m, n in zip(expected["mult"], tokens, strict=True))
    exact = (int(row["documents"]), int(row["bytes"]), int(row["tokens"])) == (
        docs,
        text_bytes,
        toks,
    )
    if not exact:
        raise SystemExit(
            f"totals differ: {row.to_dict()} vs docs {docs} bytes {text_bytes} tokens {toks}"
        )
    return {
        "documents": docs,
        "text_MB": round(text_bytes / 1e6, 1),
        "tokens": toks,
        "exact": exact,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=[0.25, 0.5, 1, 2], help="GB")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--folder", type=int, default=0, help="also a folder of this many files")
    ap.add_argument("--file-kb", type=int, default=21, help="size of the folder's files (KB)")
    ap.add_argument("--out", default="scale_bench.csv")
    args = ap.parse_args()
    texts = stdlib_texts()
    tokens = token_counts(texts)
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="tokdash-scale-"))
    try:
        corpora = []
        for gb in args.sizes:
            path = tmp / f"stdlib_{gb:g}GB.jsonl"
            corpora.append(
                (f"jsonl {gb:g} GB", path, write_jsonl(path, texts, int(gb * 1e9)), texts)
            )
        if args.folder:
            files = pack(texts, args.file_kb * 1000)
            path = tmp / f"folder_{args.folder}"
            expected = write_folder(path, files, args.folder)
            corpora.append((f"folder {args.folder:,} files", path, expected, files))
        for label, path, expected, docs in corpora:
            counts = tokens if docs is texts else token_counts(docs)
            for workers in args.workers:
                out = tmp / "out.csv"
                seconds, peak, pss = run_cli(path, workers, out)
                row = {"corpus": label, "input_MB": round(expected["file_bytes"] / 1e6, 1),
                       "workers": workers, "seconds": round(seconds, 1),
                       "MB_per_s": round(expected["file_bytes"] / 1e6 / seconds, 1),
                       "peak_rss_MB": round(peak), "peak_pss_MB": round(pss),
                       **check(out, docs, counts, expected)}  # fmt: skip
                rows.append(row)
                print(row, flush=True)
            path.unlink() if path.is_file() else shutil.rmtree(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    df = pd.DataFrame(rows)
    if len(args.workers) > 1 and 1 in args.workers:
        one = df[df["workers"] == 1].set_index("corpus")["seconds"]
        df["speedup_vs_1"] = [
            round(one.get(c, float("nan")) / s, 2)
            for c, s in zip(df["corpus"], df["seconds"], strict=True)
        ]
    write_results(df, args.out)


if __name__ == "__main__":
    main()
