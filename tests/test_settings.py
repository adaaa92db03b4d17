"""Hosted-mode switches read from the environment."""

from tokdash import settings


def test_hosted_mode_and_upload_bound(monkeypatch):
    monkeypatch.delenv("TOKDASH_HOSTED", raising=False)
    assert not settings.hosted_mode()
    assert settings.max_upload_bytes() == settings.MAX_UPLOAD_BYTES
    for value in ("1", "true", "YES", "on"):
        monkeypatch.setenv("TOKDASH_HOSTED", value)
        assert settings.hosted_mode()
        assert settings.max_upload_bytes() == settings.MAX_UPLOAD_BYTES_HOSTED
    monkeypatch.setenv("TOKDASH_HOSTED", "0")
    assert not settings.hosted_mode()


def test_hosted_mode_refuses_local_paths(monkeypatch, tmp_path):
    import pytest

    from tokdash.corpus import resolve_corpus
    from tokdash.errors import CorpusError

    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert resolve_corpus(str(tmp_path)).documents
    with pytest.raises(CorpusError):
        resolve_corpus(str(tmp_path), allow_paths=False)
