"""Home: what tokdash is for, with a live example on a snippet of code."""

import streamlit as st

from tokdash.analysis.metrics import snippet_stats
from tokdash.ui.drawing import encode_each
from tokdash.ui.sidebar import base_tokenizer, load_selected
from tokdash.viz.render import css, render_spans

EXAMPLE = '''def fibonacci(n: int) -> list[int]:
    """Return the first n Fibonacci numbers."""
    seq = [0, 1]
    while len(seq) < n:
        seq.append(seq[-1] + seq[-2])  # grows by one each step
    return seq[:n]
'''

st.title("tokdash: what your tokenizer does to your code")
st.markdown(
    "The tokenizer decides how many tokens a model spends on your code: that sets how much code "
    "fits in its context, how fast it *writes code* (characters per second, not tokens per "
    "second) and how large its embedding and output layers are. Dagan, Synnaeve & Rozière "
    "(2024) show that vocabulary size, the pre-tokenization regex and the training data change "
    "this a lot, and that a pretrained model can switch tokenizers. tokdash measures it on "
    "**your** code: pick tokenizers and a corpus in the sidebar, then open a page."
)
st.markdown(
    "- **Tokens** / **Regex splits**: where each tokenizer and each pre-tokenization regex cuts "
    "your code.\n"
    "- **Compression** / **Vocabulary**: bytes per token, normalized sequence length (NSL) "
    "against a base tokenizer, and vocabulary use, per language.\n"
    "- **Train**, **Speed**, **Swap**, **Paper check**: train tokenizers the way the paper "
    "ablates them, probe generation speed, plan a tokenizer swap, check the paper's findings."
)

st.subheader("Live example")
text = st.text_area("Code", EXAMPLE, height=170, key="home_text")
toks = load_selected()
base = base_tokenizer()
if not toks:
    st.info("Pick at least one tokenizer in the sidebar.")
else:
    st.html(css())
    # a tokenizer that fails is named in an error; the others are still drawn
    encoded = [(tok, *pair) for tok, pair in encode_each(toks, lambda t: t.encode_with_spans(text))]
    counts = {tok.id: len(ids) for tok, ids, _spans in encoded}
    if base is not None and base.id not in {t.id for t in toks}:  # not shown: count it alone
        counts |= {t.id: len(ids) for t, ids in encode_each([base], lambda t: t.encode(text))}
    base_count = counts.get(base.id) if base is not None else None
    cols = st.columns(max(min(len(encoded), 4), 1))
    for i, (tok, ids, _spans) in enumerate(encoded):
        stats = snippet_stats(text, len(ids), base_count)
        delta = None
        if stats["nsl"] is not None and base is not None and tok.id != base.id:
            delta = f"NSL {stats['nsl']:.2f} vs {base.id}"
        with cols[i % len(cols)]:
            st.metric(
                f"{tok.id}: tokens", f"{len(ids):,}", delta, delta_color="off", delta_arrow="off"
            )
            st.caption(f"{stats['bytes_per_token']:.2f} bytes/token · vocab {tok.vocab_size:,}")
    for tok, ids, spans in encoded[:4]:
        st.markdown(f"**{tok.name}** (`{tok.id}`): {len(ids)} tokens")
        st.html(render_spans(text, spans, ids=ids, max_tokens=2000))
    if len(encoded) > 4:
        st.caption(f"{len(encoded) - 4} more selected: the Tokens page shows them all.")
