"""Corpora: sample corpora, decoding, folders, files, .jsonl, zips (traversal, bombs), uploads."""

from __future__ import annotations

import io
import json
import pickle
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdash import corpus as corpus_mod
from tokdash.analysis.pretokenize import count_lines
from tokdash.corpus import (
    LANGUAGE_BY_EXTENSION,
    Corpus,
    Document,
    Skipped,
    decode_document,
    harvest_stdlib,
    iter_folder_documents,
    language_for_path,
    list_sample_corpora,
    load_file,
    load_folder,
    load_jsonl,
    load_sample_corpus,
    load_uploads,
    load_zip,
    resolve_corpus,
)
from tokdash.errors import CorpusError

REQUIRED = {
    "python", "c", "cpp", "java", "javascript", "typescript", "go", "rust", "shell", "sql",
    "html", "css", "english",
}  # fmt: skip
MB = 1_000_000


def reasons(corpus: Corpus) -> dict[str, str]:
    return {s.source: s.reason for s in corpus.skipped}


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


# --- sample corpora -----------------------------------------------------------------------


def test_sample_corpora_cover_the_required_languages_with_real_sizes():
    names = list_sample_corpora()
    assert names[0] == "all"
    assert set(names[1:]) >= REQUIRED
    corpus = load_sample_corpus()
    assert corpus.name == "sample"
    assert corpus.skipped == []
    assert set(corpus.languages) >= REQUIRED
    summary = corpus.summary().set_index("language")
    for lang in REQUIRED:
        row = summary.loc[lang]
        assert 2 <= row["documents"] <= 4, lang
        assert 6_000 <= row["bytes"] <= 16_000, (lang, row["bytes"])
        assert row["lines"] > 100, lang
    assert summary["bytes"].sum() == corpus.n_bytes


def test_sample_corpora_hold_non_ascii_text_and_go_uses_tabs():
    corpus = load_sample_corpus()
    text = "".join(d.text for d in corpus.documents)
    for needle in ("é", "ü", "你好"):
        assert needle in text
    assert any(ord(c) >= 0x1F300 for c in text)  # at least one emoji
    assert all("\n\t" in d.text for d in corpus.by_language()["go"])
    assert all(d.n_bytes > len(d.text) for d in corpus.by_language()["english"])


def test_one_sample_language_and_an_unknown_one():
    rust = load_sample_corpus("rust")
    assert rust.name == "sample:rust"
    assert rust.languages == ["rust"]
    assert all(d.source.startswith("rust/") for d in rust.documents)
    with pytest.raises(CorpusError, match="choose one of: all, c, cpp"):
        load_sample_corpus("klingon")


def test_corpus_helpers():
    corpus = load_sample_corpus()
    groups = corpus.by_language()
    assert list(groups) == corpus.languages == sorted(corpus.languages)
    assert sum(len(v) for v in groups.values()) == len(corpus.documents)
    summary = corpus.summary()
    assert list(summary.columns) == ["language", "documents", "bytes", "lines"]
    only = corpus.filter(["go", "rust"])
    assert only.languages == ["go", "rust"]
    assert corpus.filter("go").n_bytes == summary.set_index("language").loc["go", "bytes"]
    with pytest.raises(CorpusError, match="no cobol documents; its languages are: c, cpp"):
        corpus.filter(["go", "cobol"])


def test_document_is_frozen_and_counts_utf8_bytes():
    doc = Document("naïve 你好\n", "english", "x.txt")
    assert doc.n_bytes == len("naïve 你好\n".encode())
    assert doc.n_lines == 1
    assert Document("a\nb", "english", "y").n_lines == 2
    # one line count everywhere: the document's agrees with count_lines, "" has no line
    for text in ("", "a", "a\n", "a\nb", "\n\n", "a\r\nb\r\n"):
        assert Document(text, "english", "z").n_lines == count_lines(text)
    assert Document("", "english", "z").n_lines == 0
    with pytest.raises(AttributeError):
        doc.text = "other"  # type: ignore[misc]


# --- extensions and decoding ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.py", "python"), ("pkg/b.pyi", "python"), ("x.c", "c"), ("x.H", "c"),
        ("x.cc", "cpp"), ("x.cpp", "cpp"), ("x.hpp", "cpp"), ("x.cxx", "cpp"),
        ("Main.java", "java"), ("a.js", "javascript"), ("a.mjs", "javascript"),
        ("a.jsx", "javascript"), ("a.ts", "typescript"), ("a.tsx", "typescript"),
        ("main.go", "go"), ("lib.rs", "rust"), ("run.sh", "shell"), ("run.bash", "shell"),
        ("q.sql", "sql"), ("i.html", "html"), ("i.htm", "html"), ("s.css", "css"),
        ("README.md", "english"), ("notes.txt", "english"), ("doc.rst", "english"),
        ("a.rb", "ruby"), ("a.php", "php"), ("a.kt", "kotlin"), ("a.swift", "swift"),
        ("a.scala", "scala"), ("a.lua", "lua"), ("a.R", "r"),
        ("Makefile", None), ("blob.bin", None), ("a.tar.gz", None), (".gitignore", None),
    ],
)  # fmt: skip
def test_language_for_path(path, language):
    assert language_for_path(path) == language
    assert language_for_path(Path(path)) == language


def test_extension_keys_are_lower_case_with_a_dot():
    assert all(ext.startswith(".") and ext == ext.lower() for ext in LANGUAGE_BY_EXTENSION)


def test_decode_document_reasons():
    assert decode_document("a", b"\xef\xbb\xbfprint(1)\n") == "print(1)\n"
    assert decode_document("a", "caf\u00e9".encode()) == "café"
    bad = decode_document("latin1.txt", b"caf\xe9 au lait")
    assert bad == Skipped("latin1.txt", "not UTF-8 (invalid byte 0xe9 at offset 3)")
    bom_bad = decode_document("b", b"\xef\xbb\xbfab\xff")
    assert isinstance(bom_bad, Skipped) and "0xff at offset 5" in bom_bad.reason
    assert decode_document("e", b"") == Skipped("e", "empty file")
    assert decode_document("w", b" \n\t\n") == Skipped("w", "empty file (only whitespace)")
    binary = decode_document("img.py", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert isinstance(binary, Skipped) and binary.reason.startswith("binary file")
    utf16 = decode_document("u.txt", "hello".encode("utf-16"))
    assert isinstance(utf16, Skipped) and "UTF-16" in utf16.reason


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)))
def test_decode_document_never_raises(data):
    out = decode_document("fuzz", data)
    if isinstance(out, str):
        assert out.encode("utf-8") == data.removeprefix(b"\xef\xbb\xbf")
    else:
        assert isinstance(out, Skipped) and out.reason


# --- folders and files ------------------------------------------------------------------------


@pytest.fixture()
def messy_folder(tmp_path: Path) -> Path:
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "good.py").write_text("def f():\n    return 'é'\n", encoding="utf-8")
    (tmp_path / "sub" / "deep" / "ok.rs").write_text("fn main() {}\n")
    (tmp_path / "sub" / "page.html").write_text("<p>hi</p>\n")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    (tmp_path / "blob.py").write_bytes(b"abc\x00def")
    (tmp_path / "empty.js").write_bytes(b"")
    (tmp_path / "big.c").write_bytes(b"int x;\n" * 2000)
    (tmp_path / "data.xyz").write_text("whatever")
    for ignored in (".git", "node_modules", "__pycache__", ".venv", ".hidden"):
        (tmp_path / ignored).mkdir()
        (tmp_path / ignored / "x.py").write_text("print('ignored')\n")
    return tmp_path


def test_load_folder_reports_bad_files_without_raising(messy_folder: Path):
    corpus = load_folder(messy_folder, max_file_bytes=10_000)
    assert [d.source for d in corpus.documents] == [
        "good.py",
        "sub/deep/ok.rs",
        "sub/page.html",
    ]
    assert [d.language for d in corpus.documents] == ["python", "rust", "html"]
    got = reasons(corpus)
    assert got["latin1.txt"] == "not UTF-8 (invalid byte 0xe9 at offset 3)"
    assert got["blob.py"] == "binary file (NUL byte at offset 3)"
    assert got["empty.js"] == "empty file"
    assert got["big.c"] == "too large (0.0 MB > 0.01 MB limit)"
    assert got["data.xyz"] == "unknown extension '.xyz'"
    assert not any("x.py" in s for s in got)  # ignored folders are not entered
    assert load_folder(messy_folder, max_file_bytes=10_000) == corpus  # deterministic


def test_folder_limits_stop_the_walk(messy_folder: Path):
    few = load_folder(messy_folder, max_files=3)
    assert len(few.documents) + len(few.skipped) == 4
    assert "max_files limit" in few.skipped[-1].reason
    small = load_folder(messy_folder, max_total_bytes=60)
    assert "max_total_bytes limit" in small.skipped[-1].reason


def test_iter_folder_documents_is_lazy(messy_folder: Path):
    it = iter_folder_documents(messy_folder)
    first = next(it)
    assert isinstance(first, Skipped | Document)
    assert first.source == "big.c"


def test_symlinks_are_not_followed(tmp_path: Path):
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.py").write_text("x = 1\n")
    (root / "link.py").symlink_to(outside)
    corpus = load_folder(root)
    assert [d.source for d in corpus.documents] == ["real.py"]
    assert reasons(corpus)["link.py"] == "symbolic link (not followed)"


def test_missing_folder_and_file_raise(tmp_path: Path):
    with pytest.raises(CorpusError, match="folder not found"):
        load_folder(tmp_path / "nope")
    with pytest.raises(CorpusError, match="file not found"):
        load_file(tmp_path / "nope.py")


def test_load_file_by_extension(tmp_path: Path):
    path = tmp_path / "main.go"
    path.write_text("package main\n\nfunc main() {}\n")
    corpus = load_file(path)
    assert corpus.languages == ["go"]
    assert corpus.documents[0].source == "main.go"
    odd = tmp_path / "Makefile"
    odd.write_text("all:\n\techo hi\n")
    assert load_file(odd).documents == []
    assert "unknown extension" in load_file(odd).skipped[0].reason


# --- jsonl ----------------------------------------------------------------------------------


def test_jsonl_lines_and_bad_lines(tmp_path: Path):
    lines = [
        json.dumps({"text": "The tokenizer splits text.", "id": 1}),
        json.dumps({"text": "def f(): pass", "language": "Python"}),
        "{not json",
        "",
        json.dumps({"body": "no text field"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "   "}),
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"text": "caf\xe9"}\n'
    corpus = load_jsonl(data, "d.jsonl")
    assert [(d.source, d.language) for d in corpus.documents] == [
        ("d.jsonl:1", "english"),
        ("d.jsonl:2", "python"),
    ]
    got = reasons(corpus)
    assert got["d.jsonl:3"].startswith("line 3: not valid JSON")
    assert "d.jsonl:4" not in got  # blank lines are ignored
    assert got["d.jsonl:5"] == "line 5: no string field 'text'"
    assert got["d.jsonl:6"] == "line 6: no string field 'text'"
    assert got["d.jsonl:7"] == "line 7: empty text"
    assert got["d.jsonl:8"].startswith("line 8: not UTF-8")
    path = tmp_path / "d.jsonl"
    path.write_bytes(data)
    from_file = load_file(path)
    assert from_file.documents == corpus.documents
    assert from_file.skipped == corpus.skipped


# --- zip archives -----------------------------------------------------------------------------


def test_zip_rejects_traversal_and_skips_junk():
    data = make_zip(
        {
            "src/app.py": b"print('ok')\n",
            "src/": b"",
            "../evil.py": b"import os\n",
            "a/../../evil2.py": b"import os\n",
            "/etc/abs.py": b"x = 1\n",
            "C:/windows/drive.py": b"x = 1\n",
            "src/logo.css": b"\x00\x01binary",
            "__MACOSX/src/._app.py": b"\x00junk",
            "src/.git/hooks/h.sh": b"echo hi\n",
            "notes.md": "Grüße\n".encode(),
        }
    )
    corpus = load_zip(data, "up.zip")
    assert [d.source for d in corpus.documents] == ["up.zip/src/app.py", "up.zip/notes.md"]
    assert corpus.documents[1].language == "english"
    got = reasons(corpus)
    for evil in ("../evil.py", "a/../../evil2.py", "/etc/abs.py", "C:/windows/drive.py"):
        assert got[f"up.zip/{evil}"] == "unsafe path (absolute or '..'): not read"
    assert got["up.zip/src/logo.css"].startswith("binary file")
    assert not any("__MACOSX" in s or ".git" in s for s in got)


def test_zip_max_members():
    data = make_zip({f"f{i:02d}.py": b"x = 1\n" for i in range(10)})
    corpus = load_zip(data, "many.zip", max_members=4)
    assert len(corpus.documents) == 4
    assert "max_members limit" in corpus.skipped[-1].reason


def test_not_a_zip_raises():
    with pytest.raises(CorpusError, match="not a readable zip archive"):
        load_zip(b"PK\x03\x04 definitely not a zip", "broken.zip")


@pytest.fixture(scope="module")
def bomb_zip() -> bytes:
    """A real zip whose one member inflates to 300 MB of newlines (about 1.3 MB compressed)."""
    buf = io.BytesIO()
    chunk = b"\n" * (1 << 20)
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "A small, honest member.\n")
        info = zipfile.ZipInfo("bomb.py")
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = 1  # fast to build
        with zf.open(info, "w", force_zip64=True) as fh:
            for _ in range(300):
                fh.write(chunk)
    return buf.getvalue()


@pytest.fixture()
def opened(monkeypatch) -> list[str]:
    """Names of the zip members actually opened for reading."""
    names: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self, name, mode="r", *args, **kwargs):
        names.append(getattr(name, "filename", name))
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


def test_zip_bomb_is_refused_by_its_declared_size(bomb_zip: bytes, opened: list[str]):
    assert len(bomb_zip) < 5 * MB
    start = time.perf_counter()
    corpus = load_zip(bomb_zip, "bomb.zip")
    assert time.perf_counter() - start < 1.0
    assert [d.source for d in corpus.documents] == ["bomb.zip/readme.txt"]
    assert reasons(corpus)["bomb.zip/bomb.py"] == "too large (314.6 MB > 10 MB limit)"
    assert opened == ["readme.txt"]


def test_zip_bomb_stops_at_the_total_bound(bomb_zip: bytes, opened: list[str]):
    corpus = load_zip(bomb_zip, "bomb.zip", max_member_bytes=10**12)
    reason = reasons(corpus)["bomb.zip/bomb.py"]
    assert "max_total_uncompressed limit" in reason and "200.0 MB" in reason
    assert opened == ["readme.txt"]
    many = make_zip({f"part{i}.txt": b"y" * 400_000 for i in range(10)})
    bounded = load_zip(many, "many.zip", max_total_uncompressed=MB)
    assert len(bounded.documents) == 2
    assert "8 files not read" in bounded.skipped[-1].reason


def test_zip_member_lying_about_its_size_is_read_only_up_to_it():
    data = bytearray(make_zip({"liar.py": b"\n" * 5 * MB}))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(sig) + offset
        data[at : at + 4] = struct.pack("<I", 100)  # declare 100 bytes instead of 5 MB
    corpus = load_zip(bytes(data), "liar.zip")
    assert corpus.documents == []
    assert "unreadable member" in reasons(corpus)["liar.zip/liar.py"]


# --- uploads and resolve_corpus ---------------------------------------------------------------


def test_load_uploads_mixes_zips_and_single_files():
    corpus = load_uploads(
        [
            ("project.zip", make_zip({"lib/a.ts": b"export const a = 1;\n"})),
            ("C:\\Users\\zoë\\main.rs", b"fn main() {}\n"),
            ("rows.jsonl", b'{"text": "hello", "language": "english"}\n'),
            ("photo.png", b"\x89PNG"),
            ("notes.txt", b"\xff\xfe"),
        ]
    )
    assert corpus.name == "upload"
    assert [d.source for d in corpus.documents] == [
        "project.zip/lib/a.ts",
        "main.rs",
        "rows.jsonl:1",
    ]
    assert corpus.languages == ["english", "rust", "typescript"]
    got = reasons(corpus)
    assert got["photo.png"] == "unknown extension '.png'"
    assert "UTF-16" in got["notes.txt"]


def test_load_uploads_with_nothing_usable_raises_with_the_reasons():
    with pytest.raises(CorpusError, match=r"no usable document.*a\.py: binary file"):
        load_uploads([("a.py", b"\x00\x00"), ("b.txt", b"")])


def test_resolve_corpus_names(tmp_path: Path):
    assert resolve_corpus("sample").name == "sample"
    assert resolve_corpus("all").name == "sample"
    assert resolve_corpus("sample:python").languages == ["python"]
    assert resolve_corpus(" sql ").languages == ["sql"]
    for name in ("stdlib", "python-stdlib"):
        assert resolve_corpus(name).name == "python-stdlib"


def test_resolve_corpus_paths(messy_folder: Path, tmp_path: Path):
    assert resolve_corpus(str(messy_folder)).languages == ["c", "html", "python", "rust"]
    single = messy_folder / "good.py"
    assert resolve_corpus(str(single)).languages == ["python"]
    archive = tmp_path / "code.zip"
    archive.write_bytes(make_zip({"x.go": b"package x\n"}))
    assert resolve_corpus(str(archive)).documents[0].source == "code.zip/x.go"
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"text": "hi"}\n')
    assert resolve_corpus(str(rows)).languages == ["english"]


def test_resolve_corpus_can_refuse_paths(messy_folder: Path):
    assert resolve_corpus("sample:go", allow_paths=False).languages == ["go"]
    with pytest.raises(CorpusError, match="reading local paths is disabled"):
        resolve_corpus(str(messy_folder), allow_paths=False)


def test_corpus_pickles_with_cached_sizes():
    corpus = load_sample_corpus("css")
    n_bytes = corpus.n_bytes
    clone = pickle.loads(pickle.dumps(corpus))
    assert clone == corpus
    assert clone.n_bytes == n_bytes


def test_resolve_corpus_errors(tmp_path: Path):
    with pytest.raises(CorpusError, match=r"unknown corpus 'nonsense'.*sample:python.*stdlib"):
        resolve_corpus("nonsense")
    with pytest.raises(CorpusError, match="no sample corpus 'cobol'"):
        resolve_corpus("sample:cobol")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.bin").write_bytes(b"\x00")
    (empty / "b.py").write_bytes(b"")
    with pytest.raises(CorpusError, match=r"no usable document; 2 skipped: a\.bin: unknown"):
        resolve_corpus(str(empty))


# --- the standard library ---------------------------------------------------------------------


def test_harvest_stdlib():
    corpus = harvest_stdlib()
    assert corpus.name == "python-stdlib"
    assert len(corpus.documents) > 100
    assert corpus.n_bytes > 1 * MB
    assert corpus.languages == ["python"]
    sources = [d.source for d in corpus.documents]
    assert sources == sorted(sources)
    assert all("/" not in s for s in sources)  # top level only
    assert "os.py" in sources
    assert not any("site-packages" in s for s in sources)
    assert len(harvest_stdlib(limit_files=5).documents) == 5


def test_library_does_not_import_streamlit():
    code = "import sys, tokdash.corpus; print('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"
    assert corpus_mod.SAMPLE_DIR.is_dir()
