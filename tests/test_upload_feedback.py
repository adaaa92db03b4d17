"""What a user sees after a bad upload: the bad file skipped with its reason and the rest kept,
one message when nothing is uploaded (no empty progress bar), damaged statistics zips and
random .model bytes said plainly."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.corpus.archives import load_uploads
from tokdash.errors import CorpusError, TokenizerLoadError


def test_a_broken_archive_is_skipped_and_the_other_files_kept():
    corpus = load_uploads(
        [("good.py", b"x = 1\n"), ("notzip.zip", b"junk"), ("bad.jsonl", b"{broken")]
    )
    assert [d.source for d in corpus.documents] == ["good.py"]
    reasons = {s.source: s.reason for s in corpus.skipped}
    assert reasons["notzip.zip"].startswith("not a readable zip archive")
    assert "not valid JSON" in reasons["bad.jsonl:1"]
    with pytest.raises(CorpusError, match="notzip.zip: not a readable zip archive"):
        load_uploads([("notzip.zip", b"junk")])


def test_the_sidebar_names_the_upload_still_shown():
    from tokdash.corpus import Corpus
    from tokdash.corpus.documents import Document
    from tokdash.ui.sidebar import _still_shown

    docs = [Document("x", "python", s) for s in ("a.py", "b.zip/x.py", "b.zip/y.py", "c.py")]
    docs.append(Document("x", "python", "d.jsonl:3"))
    assert _still_shown(None) == ""
    assert _still_shown(Corpus("upload", docs[:2], [])) == (
        " The pages still show your previous upload (a.py, b.zip)."
    )
    assert _still_shown(Corpus("upload", docs, [])).endswith("(a.py, b.zip, c.py and 1 more).")


def test_nothing_uploaded_is_one_message_and_no_progress_bar():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_corpus"] = "upload"
    at.run()
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "Upload source files or a zip in the sidebar to use them as the corpus."
    ]
    assert not at.get("progress")  # no bar was left behind


def test_a_damaged_statistics_zip_is_one_line(tmp_path):
    from tokdash.analysis.stats_io import StatsBundleError, load_bundle_zip
    from tokdash.cli.main import main

    argv = ["compare", "-t", "gpt2", "--corpus", "sample:python", "--base", ""]
    assert main([*argv, "--stats-dir", str(tmp_path / "s"), "--out", str(tmp_path / "a.csv")]) == 0
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((tmp_path / "s" / "bundle").iterdir()):
            zf.write(f, f.name)
    good = buf.getvalue()
    assert load_bundle_zip(good).n_documents > 0
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        info = zf.getinfo("stats.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in (start + 10, start + info.compress_size // 2):  # inside the deflated data
        bad = bytearray(good)
        bad[offset : offset + 40] = bytes(b ^ 0x5A for b in bad[offset : offset + 40])
        with pytest.raises(StatsBundleError, match="the zip is damaged|stats.json is unreadable"):
            load_bundle_zip(bytes(bad))


def test_random_model_bytes_say_so_without_the_librarys_internals(tmp_path):
    from tokdash.tokenizers import load_path

    path = tmp_path / "random.model"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(TokenizerLoadError) as err:
        load_path(path)
    message = str(err.value)
    assert "neither a SentencePiece model" in message and "tiktoken rank file" in message
    assert "INTERNAL" not in message and ".cc(" not in message


def test_a_refused_text_upload_keeps_the_last_good_one_drawn():
    from tokdash.ui.text_source import SourceText, _previous_upload

    assert _previous_upload({}) is None
    kept = _previous_upload({"upload": ("good.py", "x = 1\n")})
    assert kept == SourceText("x = 1\n", "good.py")
