"""Bad input to training fails with one clear line, before the expensive work: huge counted
repeats, patterns the HF trainer's regex engine gives up on, bad output places and baselines,
nonsense numbers."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis import pretokenize
from tokdash.analysis.pretokenize import PATTERNS, compile_pattern, split
from tokdash.cli.main import main
from tokdash.cli.train import parse_bytes
from tokdash.errors import RegexError, TokdashError
from tokdash.training import trainer
from tokdash.training.data import parse_mix
from tokdash.training.trainer import TrainConfig, check_config, train_texts

HUGE = [
    "a{99999999}",
    "(?:x{1000}){1000}",  # nested counts multiply
    "(?:a{10}){20000}",
    r"(?:\d+\s+\w+){100000}",  # a body of several nodes, 100,000 times
    "(?x) a { 99999999 }",  # verbose mode: spaces inside the count
    "[[]a{99999999}",  # a class holding '[', then a real repeat
    "(?:a|b{99999999})",
    "a{99999999}?",
]
#: Braces that are not a counted repeat, small counts, and open ranges (only the minimum unrolls).
CHEAP = [
    r"\{99999999}",
    "[{99999999}]",
    "a{x}",
    "a{ 99999999}",
    "a{1,99999999}",
    "(?:a{1,1000}){1,1000}",
    "(a{100}){100}",
    "a{100000}",
    r"\N{DIGIT ONE}{3}",
]


def _no_compile(*args, **kwargs):
    raise AssertionError("regex.compile was called: the repeat check must refuse first")


# ----- 1. huge counted repeats ----------------------------------------------------------------


@pytest.mark.parametrize("pattern", HUGE)
def test_huge_repeats_are_refused_without_compiling(pattern, monkeypatch):
    # A regression would compile the pattern (gigabytes): fail on the call instead.
    monkeypatch.setattr(pretokenize.regex, "compile", _no_compile)
    with pytest.raises(RegexError, match="refused") as err:
        compile_pattern(pattern)
    assert "\n" not in str(err.value)
    with pytest.raises(RegexError, match="refused"):
        split("aaaa", pattern)  # the Regex splits page's path
    with pytest.raises(RegexError, match="refused"):  # `train --regex custom --pattern`
        TrainConfig(regex="custom", pattern=pattern).resolved_pattern()


def test_huge_repeat_message_names_the_count(monkeypatch):
    from tokdash.analysis.pretokenize import check_repeats

    monkeypatch.setattr(pretokenize.regex, "compile", _no_compile)
    with pytest.raises(RegexError) as err:
        check_repeats("a{99999999}")
    msg = str(err.value)
    assert "99,999,999 times ({99999999})" in msg and "100,000" in msg and "GB" in msg
    with pytest.raises(RegexError, match=r"\{1000\} inside \{1000\}"):
        check_repeats("(?:x{1000}){1000}")


@pytest.mark.parametrize("pattern", CHEAP)
def test_cheap_braces_and_ranges_still_compile(pattern):
    from tokdash.analysis.pretokenize import check_repeats

    check_repeats(pattern)
    compile_pattern(pattern)


def test_named_and_catalog_patterns_pass_the_repeat_check(catalog_tokenizer):
    from tokdash.analysis.pretokenize import check_repeats
    from tokdash.tokenizers.catalog import ENTRIES
    from tokdash.tokenizers.registry import is_cached

    patterns = [p.pattern for p in PATTERNS.values() if p.pattern]
    for entry in ENTRIES:
        if is_cached(entry):
            pattern = catalog_tokenizer(entry.id).pattern
            if pattern:
                patterns.append(pattern)
    assert len(patterns) > len(PATTERNS)
    for pattern in patterns:
        check_repeats(pattern)
        compile_pattern(pattern)


def test_cli_train_refuses_a_huge_repeat(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pretokenize.regex, "compile", _no_compile)
    corpus = _corpus(tmp_path)
    out = str(tmp_path / "out")
    rc = main(["train", "-c", str(corpus), "--regex", "custom", "--pattern", "a{99999999}",
               "--vocab-size", "300", "--base", "", "--out-dir", out])  # fmt: skip
    assert rc == 2
    assert "99,999,999" in capsys.readouterr().err


# ----- 2. patterns the HF trainer's regex engine gives up on ----------------------------------


def _corpus(tmp_path, text: str = "def f(x):\n    return x + 1\n"):
    """A folder of six small Python files; one line of each is ``text``."""
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for i in range(6):
        (folder / f"d{i}.py").write_text(f"{text}x_{i} = {i} * 2\n" * 3)
    return folder


BACKTRACKS = ("b" * 40 + "!\n") * 3  # '(b+)+$' gives up here; the up-front probes miss 'b'


def test_up_front_probe_refuses_nested_quantifiers():
    from tokdash.training.config import check_backtracking

    with pytest.raises(RegexError, match="backtracks catastrophically"):
        check_config(TrainConfig(vocab_size=300, regex="custom", pattern="(a+)+$"))
    with pytest.raises(RegexError, match="backtracks catastrophically"):
        check_backtracking(r"(\w+\s?)+$")
    check_backtracking(PATTERNS["gpt4"].pattern)
    check_backtracking(r" ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+")


def test_training_turns_the_engine_giving_up_into_a_regex_error(tmp_path):
    config = TrainConfig(vocab_size=300, regex="custom", pattern="(b+)+$", byte_budget=None)
    check_config(config)  # the probes cannot see it: training must catch it
    with pytest.raises(RegexError, match="backtracks catastrophically on the training text"):
        train_texts(config, [BACKTRACKS, "x = 1\n"], tmp_path)
    # the engine is usable again afterwards
    ok = TrainConfig(vocab_size=300, regex="gpt4", byte_budget=None)
    assert train_texts(ok, [BACKTRACKS, "x = 1\n"], tmp_path).tokenizer.vocab_size > 256


@pytest.mark.parametrize("verb", ["train", "train-sweep"])
def test_cli_backtracking_is_one_line(verb, tmp_path, capsys):
    corpus = _corpus(tmp_path, BACKTRACKS)
    args = [verb, "-c", str(corpus), "--pattern", "(b+)+$", "--vocab-size", "300", "--base", ""]
    rc = main(args + (["--regex", "custom"] if verb == "train" else []))
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: the pre-tokenization pattern backtracks catastrophically")


def _train_page(tmp_path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.session_state["td_corpus"] = "folder"
    at.session_state["td_corpus_folder"] = str(_corpus(tmp_path, BACKTRACKS))
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, at.exception
    return at


def test_train_page_shows_the_engine_giving_up_and_keeps_earlier_runs(tmp_path):
    at = _train_page(tmp_path)
    at.number_input(key="tr_vocab").set_value(300).run()
    at.multiselect(key="tr_baselines").set_value([]).run()
    at.button(key="tr_go").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["tr_runs"]) == 1
    at.selectbox(key="tr_regex").set_value("custom").run()
    at.text_input(key="tr_pattern").set_value("(b+)+$").run()
    assert not at.exception, at.exception
    at.button(key="tr_go").click().run()
    assert not at.exception, at.exception
    assert any("backtracks catastrophically" in e.value for e in at.error)
    assert len(at.session_state["tr_runs"]) == 1  # the earlier run is kept, and shown
    assert any(s.value.startswith("Latest: ") for s in at.subheader)
    # a pattern the probes catch disables the button up front
    at.text_input(key="tr_pattern").set_value("(a+)+$").run()
    assert any("backtracks catastrophically" in e.value for e in at.error)
    assert at.button(key="tr_go").disabled


# ----- 3. bad output places fail before training ----------------------------------------------


@pytest.fixture
def no_training(monkeypatch):
    """Training fails the test: a bad output place must be refused before it."""

    def build(config):
        raise AssertionError("training started")

    monkeypatch.setattr(trainer, "build_untrained", build)


def _out_cases(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    return afile


@pytest.mark.parametrize(
    "option,verb",
    [("--out-dir", "train"), ("--save-dir", "train-sweep"), ("-o", "train"),
     ("-o", "train-sweep"), ("--gains", "train-sweep")],
)  # fmt: skip
def test_bad_output_places_fail_before_training(option, verb, tmp_path, capsys, no_training):
    afile = _out_cases(tmp_path)
    target = str(afile) if "dir" in option else str(afile / "x.csv")
    corpus = _corpus(tmp_path)
    rc = main([verb, "-c", str(corpus), "--vocab-size", "300", "--base", "", option, target])
    assert rc == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "training started" not in err


def test_train_texts_checks_the_output_folder_first(tmp_path, no_training):
    afile = _out_cases(tmp_path)
    with pytest.raises(TokdashError, match="is a file, not a folder"):
        train_texts(TrainConfig(vocab_size=300), ["x = 1\n"] * 3, afile)


def test_tiktoken_export_of_identity_is_refused_before_training(tmp_path, capsys, no_training):
    corpus = _corpus(tmp_path)
    rc = main(["train", "-c", str(corpus), "--vocab-size", "300", "--base", "",
               "--regex", "identity", "--tiktoken", "--out-dir", str(tmp_path / "o")])  # fmt: skip
    assert rc == 2 and "--tiktoken needs a plain" in capsys.readouterr().err


def test_a_name_that_is_a_path_is_refused():
    with pytest.raises(TokdashError, match="letters, digits"):
        check_config(TrainConfig(vocab_size=300, name="../../elsewhere"))
    check_config(TrainConfig(vocab_size=300, name="bpe-1k-gpt4-2"))


# ----- 4. baselines are checked before training -----------------------------------------------


@pytest.mark.parametrize("verb", ["train", "train-sweep"])
def test_empty_baseline_is_refused_before_training(verb, tmp_path, capsys, no_training):
    corpus = _corpus(tmp_path)
    rc = main([verb, "-c", str(corpus), "--vocab-size", "300", "--baseline", ""])
    assert rc == 2
    assert "--baseline is empty" in capsys.readouterr().err


# ----- 5. nonsense numbers --------------------------------------------------------------------


def test_duplicate_language_in_mix_is_refused():
    with pytest.raises(TokdashError, match="python appears twice"):
        parse_mix("python=70,python=30")
    with pytest.raises(TokdashError, match="appears twice"):
        parse_mix("Python=70; python =30")
    assert parse_mix("python=70,english=30") == (("python", 70.0), ("english", 30.0))


def test_byte_budget_zero_means_none_and_says_so(capsys):
    assert parse_bytes("0") is None and parse_bytes("0MB") is None and parse_bytes("none") is None
    assert parse_bytes("500kB") == 500_000
    with pytest.raises(TokdashError, match="bad byte budget"):
        parse_bytes("-5")
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "none or 0: no budget" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "option,value",
    [("--min-frequency", "0"), ("--max-token-length", "0"),
     ("--seed", "-1"), ("--held-out", "1.5"), ("--held-out", "nan"), ("--identity-piece", "-5"),
     ("--new-tokens", "0"), ("--new-tokens", "100001"), ("--vocab-size", "abc")],
)  # fmt: skip
def test_out_of_range_numbers_are_argparse_errors(option, value, tmp_path, capsys, no_training):
    corpus = _corpus(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["train", "-c", str(corpus), "--base", "", option, value])
    assert exit_.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err
