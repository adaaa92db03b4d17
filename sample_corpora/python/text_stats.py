"""Command-line word statistics for plain-text files.

Usage:
    python text_stats.py notes.txt --top 20 --min-length 3

Counts words case-insensitively, keeps accented letters (café, naïve, Über) together, and
reports the type/token ratio, which is a rough measure of vocabulary richness.
"""

import argparse
import math
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
SENTENCE_END_RE = re.compile(r"[.!?。！？]+")
DEFAULT_STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have",
        "in", "is", "it", "its", "of", "on", "or", "that", "the", "to", "was", "were", "will",
        "with", "this", "these", "those", "there", "their", "they",
    }
)  # fmt: skip


def normalize(word: str) -> str:
    """Lower-case and NFC-normalize so 'Cafe\u0301' and 'café' count as one word."""
    return unicodedata.normalize("NFC", word).casefold().replace("’", "'")


def iter_words(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        for match in WORD_RE.finditer(line):
            yield normalize(match.group())


def count_sentences(text: str) -> int:
    return max(1, len([s for s in SENTENCE_END_RE.split(text) if s.strip()]))


def entropy_bits(counts: Counter[str]) -> float:
    """Shannon entropy of the unigram distribution, in bits per word."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in counts.values())


class Report:
    def __init__(self, counts: Counter[str], n_sentences: int) -> None:
        self.counts = counts
        self.n_sentences = n_sentences

    @property
    def n_tokens(self) -> int:
        return sum(self.counts.values())

    @property
    def n_types(self) -> int:
        return len(self.counts)

    @property
    def type_token_ratio(self) -> float:
        return self.n_types / self.n_tokens if self.n_tokens else 0.0

    def top(self, n: int, stopwords: frozenset[str] = DEFAULT_STOPWORDS, min_length: int = 1):
        kept = Counter(
            {w: c for w, c in self.counts.items() if w not in stopwords and len(w) >= min_length}
        )
        return kept.most_common(n)

    def render(self, top_n: int, min_length: int) -> str:
        lines = [
            f"tokens:            {self.n_tokens:>10,}",
            f"types:             {self.n_types:>10,}",
            f"sentences:         {self.n_sentences:>10,}",
            f"type/token ratio:  {self.type_token_ratio:>10.4f}",
            f"entropy (bits):    {entropy_bits(self.counts):>10.3f}",
            "",
            f"{'rank':>4}  {'word':<24}{'count':>8}",
        ]
        for rank, (word, count) in enumerate(self.top(top_n, min_length=min_length), start=1):
            lines.append(f"{rank:>4}  {word:<24}{count:>8}")
        return "\n".join(lines)


def analyse(path: Path, encoding: str = "utf-8") -> Report:
    text = path.read_text(encoding=encoding, errors="replace")
    counts = Counter(iter_words(text.splitlines()))
    return Report(counts, count_sentences(text))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="text files to analyse")
    parser.add_argument("--top", type=int, default=15, help="how many frequent words to list")
    parser.add_argument("--min-length", type=int, default=1, help="ignore shorter words")
    parser.add_argument("--encoding", default="utf-8")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    status = 0
    for path in args.files:
        if not path.is_file():
            print(f"error: {path} is not a file", file=sys.stderr)
            status = 2
            continue
        print(f"== {path} ==")
        print(analyse(path, args.encoding).render(args.top, args.min_length))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
