"""Watch a decoder write: :func:`generate` runs the model token by token and reads each token
as :func:`afn_widget.analyze` reads a text.

The loop, with the model's KV cache (one sequence, no padding):

1. **prompt**: the prompt's tokens (the tokenizer's special tokens before it, as ``analyze``
   frames a text; or a chat through its template, :mod:`afn_widget.chat`) through the model
   with every layer's hidden states and the LM head's logits, :data:`PROMPT_PART` tokens a
   pass;
2. **write**: the next token is chosen from the logits at the last position (greedy: the
   first of the largest, as ``model.generate(do_sample=False)``; sampling: ``softmax(z / T)``
   restricted to the smallest set of tokens whose probability reaches ``top_p``, drawn with a
   ``torch.Generator`` seeded by ``seed``); its text is decoded (:mod:`afn_widget.decode`);
3. **read**: the new token goes through the model (the cache holds the rest), which gives its
   hidden states at every layer and the logits for the next; its statistics are those of
   ``analyze`` (:func:`afn_widget.hidden.hidden_stats`: norms, shifts, top dimensions,
   massive flags; the last row before the final norm by default, :mod:`afn_widget.decoders`),
   and its ``logprob`` and ``entropy`` come from the logits it was chosen from
   (:mod:`afn_widget.logits`);
4. **stop** when the model writes an end-of-sequence token (the generation config's, else the
   tokenizer's), the text written contains one of ``stop``, ``max_new_tokens`` are written,
   the model's context is full, or ``partial`` returns ``False``; else back to 2.

So every token's numbers are those ``analyze(result.ids, model)`` gives (the cache changes no
hidden state), but for the massive flags, whose median ``|x|`` is, as always, that of the
forward pass that read the token: the prompt's (a part of a long one), then each new token's
own.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from . import validate as V
from .anatomy import hidden_size
from .assemble import Spelled, assemble, empty_rows
from .chat import SEPARATOR, chat_prompt, check_messages
from .decode import Detokenizer
from .decoders import last_residual, resolve_final_layer, with_residual
from .engine import OPTION_NAMES, Options, check_options
from .errors import AFNInputError, AFNTypeError, NoHiddenStatesError, NoLMHeadError
from .hidden import RAW, SHIFT_METRICS, given_outliers, hidden_stats
from .logits import LOGIT_SCORES, chosen, logits_unavailable
from .models import LoadedModel, load_model
from .registry import ATTENTION_SCORES, ENTROPY, LOGPROB, SCORES
from .result import AFNResult, default_layer
from .tokens import special_frame, tokenize

Progress = Callable[[int, int], Any]
Partial = Callable[[AFNResult], Any]
ASSISTANT = "assistant"
"""The chat role of the tokens the model writes after a chat."""
CHUNK = 64
"""Written tokens whose statistics wait at most (:meth:`Writer.take_in`)."""
PROMPT_PART = 512
"""Prompt tokens read per pass: the logits of a long prompt (tokens × vocabulary) are never
all made at once."""
FINISH_REASONS = ("eos", "stop", "length", "context", "stopped")
"""Why writing ended (``result.finish_reason``): an end-of-sequence token, a stop string,
``max_new_tokens``, the model's context, or ``partial`` returned ``False``."""


# -- checks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen, and when writing ends (see :func:`generate`)."""

    max_new_tokens: int = 32
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()


def check_sampling(**given: Any) -> Sampling:
    """``given`` as a checked :class:`Sampling`, or a typed error naming the fix."""
    s = Sampling(**given)
    if not isinstance(s.do_sample, bool):
        raise AFNTypeError(f"do_sample must be True or False, not {s.do_sample!r}.")
    top_p = s.top_p
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1:
        raise AFNInputError(f"top_p must be a number in (0, 1], not {top_p!r}; 1 keeps all.")
    seed = s.seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise AFNInputError(f"seed must be None or a non-negative integer, not {seed!r}.")
    return replace(
        s,
        max_new_tokens=V.check_positive_int("max_new_tokens", s.max_new_tokens),
        temperature=V.check_positive_number("temperature", s.temperature),
        top_p=float(top_p),
        seed=None if seed is None else int(seed),
        stop=_check_stop(s.stop),
    )


def _check_stop(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    items = [stop] if isinstance(stop, str) else stop
    if not isinstance(items, Sequence) or not all(isinstance(x, str) and x for x in items):
        raise AFNTypeError(
            f"stop must be a string or a list of non-empty strings, e.g. ['\\n\\n'], not {stop!r}."
        )
    return tuple(V.check_unicode("stop", x) for x in items)


def check_generate_options(options: dict[str, Any]) -> Options:
    """``analyze``'s options for a text being written: those that need the whole text
    beforehand (statistics for ``normalize``, the attention every later token pays) refused
    with the way to have them; the LM head's scores always computed."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise AFNTypeError(
            f"generate got unknown option(s) {unknown}; besides its own it takes analyze's: "
            f"{', '.join(OPTION_NAMES)}, device and partial_every."
        )
    opts = check_options(**options)
    if opts.needs_statistics:
        raise AFNInputError(
            f"normalize={opts.normalize!r} needs statistics of the whole text, which a text "
            "being written does not have yet: use 'raw', 'layer_zscore' or 'layer_rank' (or "
            "give outlier_dims), or analyze(result.ids, model, normalize=...) afterwards."
        )
    asked = [s for s in opts.scores if s in ATTENTION_SCORES]
    if asked:
        raise AFNInputError(
            f"{asked} are not computed while the model writes (each new token changes the "
            "attention every earlier token receives): analyze(result.ids, model, "
            f"scores={asked!r}) gives them for the text written."
        )
    wanted = set(opts.scores) | set(LOGIT_SCORES)
    return replace(opts, scores=tuple(s for s in SCORES if s in wanted))


def _check_callable(name: str, value: Any) -> None:
    if value is not None and not callable(value):
        raise AFNTypeError(f"{name} must be a function or None, not {type(value).__name__}.")


def check_generator(lm: LoadedModel) -> None:
    """A typed error unless ``lm`` is a decoder with its LM head: what writing needs."""
    why = logits_unavailable(lm.anatomy)
    if why is not None:
        raise NoLMHeadError(f"generate needs a decoder with its LM head: {why}.")


# -- the prompt ---------------------------------------------------------------------------------


class Prompt(NamedTuple):
    """The tokens a generation starts from, and the text its reply follows."""

    text: str  # what the reply is written after
    ids: list[int]
    offsets: list[tuple[int, int] | None]
    tokens: list[str]
    roles: list[str] | None  # chat roles, for a chat
    context: list[int]  # the ids that spelled the end of the text (for decoding the reply)


def make_prompt(lm: LoadedModel, prompt: str | None, messages: Any) -> Prompt:
    """The prompt's tokens: the tokenizer's special tokens before the text (those after it are
    left out: the reply follows the text), or a chat through its template."""
    tok = lm.tokenizer
    with lm.anatomy.lock:  # the tokenizer is shared
        if messages is not None:
            chat = chat_prompt(tok, messages)
            text = chat.text + SEPARATOR
            tokens = tok.convert_ids_to_tokens(chat.ids)
            return Prompt(text, chat.ids, chat.offsets, tokens, chat.roles, chat.ids)
        body, head = tokenize(tok, prompt), special_frame(tok).head
        tokens = tok.convert_ids_to_tokens(head) + body.tokens
    offsets = [None] * len(head) + list(body.offsets)
    return Prompt(prompt, head + body.ids, offsets, tokens, None, body.ids)


# -- the loop -----------------------------------------------------------------------------------


class Rows:
    """Every statistic of the tokens read so far, a column per token, in arrays made once for
    the longest text the call can write; :meth:`upto` gives views of the first columns."""

    def __init__(self, n_rows: int, capacity: int, k: int) -> None:
        self.rows = empty_rows(n_rows, capacity, k, LOGIT_SCORES)

    def put(self, at: int, values: dict[str, np.ndarray]) -> None:
        """Columns from ``at`` on: :func:`~afn_widget.hidden.hidden_stats`'s arrays
        (``[L+1, 1, T, ...]``), or one value per token (``[T]``) for the LM head's scores,
        written at every layer."""
        for key, v in values.items():
            if v.ndim == 1:
                self.rows[key][:, at : at + len(v)] = v
            else:
                self.rows[key][:, at : at + v.shape[2]] = v[:, 0]

    def upto(self, n: int) -> dict[str, np.ndarray]:
        """Views of the first ``n`` columns (they never change once written)."""
        return {key: v[:, :n] for key, v in self.rows.items()}


class Writer:
    """One generation: the model, its cache, the tokens written and their statistics.

    Each step only runs the model and chooses a token; the new tokens' statistics (taken
    together, :meth:`take_in`) and text (:meth:`spell`) wait until a result is asked for, a
    stop string needs the text, or :data:`CHUNK` tokens wait: per token the same numbers, with
    the model's pass, not the bookkeeping, setting the pace."""

    def __init__(self, lm: LoadedModel, opts: Options, sampling: Sampling, prompt: Prompt):
        import torch

        self.lm, self.opts, self.s, self.prompt = lm, opts, sampling, prompt
        self.n_rows = lm.n_layers + 1
        layer = default_layer(lm.n_layers) if opts.layer is None else opts.layer
        self.layer = V.check_layer(layer, lm.n_layers)
        self.final_layer = resolve_final_layer(lm.anatomy, opts.final_layer)
        limit = _context(lm, opts)
        if not prompt.ids or len(prompt.ids) >= limit:
            raise AFNInputError(
                f"the prompt is {len(prompt.ids)} tokens and the model takes {limit}: give a "
                "prompt of at least one token that leaves room for a reply."
            )
        self.max_new = min(sampling.max_new_tokens, limit - len(prompt.ids))
        self.k = min(opts.top_k, hidden_size(lm.model) or opts.top_k)
        self.table = Rows(self.n_rows, len(prompt.ids) + self.max_new, self.k)
        self.norm = RAW if opts.normalize != "drop_outlier_dims" else None  # given dims: read
        self.device = next(iter(lm.model.parameters())).device
        self.written: list[int] = []
        self.steps: list[tuple[Any, Any]] = []  # per token not yet taken in: (hidden, logits)
        self.text = Detokenizer(lm.tokenizer, prompt.text, prompt.context)
        self.eos = _eos_ids(lm)
        self.cache, self.cache_arg = None, _cache_arg(lm.model)
        self.gen = None
        if sampling.do_sample and sampling.seed is not None:
            self.gen = torch.Generator(device=self.device).manual_seed(sampling.seed)
        self.finish = ""
        self.seen, self.last = 0, None  # prompt tokens read, the last logits of their pass

    @property
    def n(self) -> int:
        """Tokens read so far (the prompt's and those written)."""
        return len(self.prompt.ids) + len(self.written)

    def read(self, ids: list[int]) -> Any:
        """Run ``ids`` (after those in the cache) through the model and return the logits of
        their last position (``[V]``); the prompt's statistics are taken at once, a written
        token's hidden states wait (:meth:`take_in`). The pass and its hook hold the model's
        lock (:mod:`afn_widget.anatomy`): other calls may run between two passes."""
        import torch

        x = torch.tensor([ids], dtype=torch.long, device=self.device)
        body = self.lm.anatomy
        cache = {} if self.cache is None else {self.cache_arg: self.cache}
        residual = self.final_layer == "residual"
        with body.lock, last_residual(body, residual) as seen, torch.inference_mode():
            out = body.model(
                input_ids=x, use_cache=True, output_hidden_states=True, return_dict=True, **cache
            )
        hs = with_residual(getattr(out, "hidden_states", None), seen)
        if hs is None or len(hs) != self.n_rows:
            raise NoHiddenStatesError(
                f"{body.name} did not return the hidden states of every layer; generate needs a "
                "transformers model that supports output_hidden_states=True."
            )
        self.cache = _cache_of(out, body.name)
        if self.steps:  # a token written: its statistics wait
            self.steps[-1] = (hs, self.steps[-1][1])
        else:  # a part of the prompt: its statistics now
            self._prompt_part(hs, out.logits[0], ids)
        return out.logits[0, -1]

    def _prompt_part(self, hs: Sequence[Any], logits: Any, ids: list[int]) -> None:
        """The statistics of the prompt's tokens ``ids`` that a pass read, after ``self.seen``
        others; each token's LM head scores from the position before it (the first token of
        the prompt has none), the last logits of the part before kept for the next."""
        import torch

        at = self.seen
        self._stats(at, hs, each_token=False)
        before = logits[:-1] if at == 0 else torch.cat([self.last[None], logits[:-1]])
        with torch.inference_mode():
            targets = torch.tensor(ids[1:] if at == 0 else ids)
            logprob, entropy = chosen(before, targets)
        scores = {LOGPROB.name: logprob, ENTROPY.name: entropy}
        self.table.put(at + (at == 0), {k: v.cpu().numpy() for k, v in scores.items()})
        self.seen, self.last = at + len(ids), logits[-1]

    def _stats(self, at: int, hs: Sequence[Any], each_token: bool) -> None:
        if self.norm is None:
            self.norm = given_outliers(self.opts.outlier_dims, self.n_rows, hs[0].shape[-1])
        massive = (self.opts.massive_abs, self.opts.massive_ratio)
        stats = hidden_stats(
            hs, self.norm, shifts=SHIFT_METRICS, top_k=self.k, massive=massive,
            each_token=each_token,
        )  # fmt: skip
        self.table.put(at, stats)

    def write(self, logits: Any) -> str:
        """Choose the next token from ``logits`` (``[V]``) and keep it; returns the text it
        completed when stop strings need it at once (else ``""``: it waits)."""
        import torch

        with torch.inference_mode():
            token = choose(logits, self.s, self.gen)
        self.written.append(token)
        self.steps.append((None, logits))
        return self.spell() if self.s.stop else ""

    def take_in(self) -> None:
        """The statistics of the tokens written since the last call, from their passes taken
        together: each token flagged massive against its own vector's median, as its own pass
        had it (:func:`afn_widget.hidden.massive_flags`), and its LM head scores from the
        logits it was chosen from."""
        import torch

        done = [s for s in self.steps if s[0] is not None]
        if not done:
            return
        at = self.n - len(self.steps)
        del self.steps[: len(done)]
        hs = [torch.cat([h[layer] for h, _ in done], dim=1) for layer in range(self.n_rows)]
        self._stats(at, hs, each_token=True)
        with torch.inference_mode():
            ids = torch.tensor(self.written[at - len(self.prompt.ids) :][: len(done)])
            logprob, entropy = chosen(torch.stack([z for _, z in done]), ids)
        scores = {LOGPROB.name: logprob, ENTROPY.name: entropy}
        self.table.put(at, {k: v.cpu().numpy() for k, v in scores.items()})

    def spell(self) -> str:
        """Decode the tokens written since the last call; the text they completed. The
        tokenizer is shared: the model's lock holds it (:mod:`afn_widget.anatomy`)."""
        start = len(self.text.tokens)
        with self.lm.anatomy.lock:
            return "".join(self.text.push(t) for t in self.written[start:])

    def ended(self, piece: str) -> str:
        """Why writing ends after the last token, which completed the text ``piece`` (``""``
        when it goes on; :data:`FINISH_REASONS`)."""
        if self.written[-1] in self.eos:
            return "eos"
        if piece and self.s.stop:
            reply = self.text.text[len(self.prompt.text) :]
            tail = reply[-(max(map(len, self.s.stop)) + len(piece) - 1) :]
            if any(x in tail for x in self.s.stop):
                return "stop"
        if len(self.written) == self.s.max_new_tokens:
            return "length"
        return "context" if len(self.written) == self.max_new else ""

    def result(self) -> AFNResult:
        """The result for the tokens read so far."""
        self.take_in()
        self.spell()
        p, g = self.prompt, len(self.written)
        spelled = Spelled(
            self.text.text,
            p.tokens + self.text.tokens[:g],
            p.offsets + self.text.offsets[:g],
            None,
            p.ids + self.written,
        )
        dropped = self.opts.normalize == "drop_outlier_dims" and self.norm is not None
        return assemble(
            spelled,
            self.table.upto(self.n),
            self.opts,
            outlier_dims=self.norm.outliers() if dropped else [],
            layer=self.layer,
            unavailable={},
            final_layer=self.final_layer,
            model_name=self.lm.name,
            note=self.lm.note,
            n_windows=1,
            generated=np.arange(self.n) >= len(p.ids),
            chat_roles=None if p.roles is None else p.roles + [ASSISTANT] * g,
            finish_reason=self.finish,
        )


def choose(logits: Any, s: Sampling, gen: Any = None) -> int:
    """The next token: the first of the largest logits (greedy), or drawn from
    ``softmax(logits / temperature)`` over the smallest set of the likeliest tokens whose
    probability reaches ``top_p`` (the tokens whose cumulative probability, from the least
    likely up, is at most ``1 − top_p`` are left out; the likeliest always stays)."""
    import torch

    if not s.do_sample:
        return int(torch.argmax(logits))
    z = logits.float() / s.temperature
    if s.top_p < 1.0:
        order = torch.argsort(z)  # least likely first
        drop = torch.softmax(z[order], -1).cumsum(-1) <= 1.0 - s.top_p
        drop[-1] = False
        z[order[drop]] = -math.inf
    return int(torch.multinomial(torch.softmax(z, -1), 1, generator=gen))


def _context(lm: LoadedModel, opts: Options) -> int:
    """The longest sequence the call runs: the model's, or ``max_length`` within it."""
    if opts.max_length is not None and opts.max_length > lm.max_length:
        raise AFNInputError(
            f"max_length={opts.max_length} is more than this model takes ({lm.max_length} "
            "tokens); leave it out or lower it."
        )
    return lm.max_length if opts.max_length is None else opts.max_length


def _eos_ids(lm: LoadedModel) -> frozenset[int]:
    """The end-of-sequence ids: the generation config's (as ``model.generate``), else the
    tokenizer's."""
    eos = getattr(getattr(lm.model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = getattr(lm.tokenizer, "eos_token_id", None)
    return frozenset([eos] if isinstance(eos, int) else eos or ())


def _cache_arg(model: Any) -> str:
    """The name the model's ``forward`` takes its KV cache by (``cache`` in newer transformers,
    ``past_key_values`` before)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):  # pragma: no cover - a forward with no signature
        return "past_key_values"
    return "cache" if "cache" in params else "past_key_values"


def _cache_of(out: Any, name: str) -> Any:
    """The KV cache a forward pass returned, or a typed error: without it, a token would be
    read without the tokens before it."""
    for key in ("cache", "past_key_values"):
        value = out.get(key) if hasattr(out, "get") else getattr(out, key, None)
        if value is not None:
            return value
    raise AFNTypeError(f"{name} returned no KV cache with use_cache=True; generate needs one.")


# -- the call -----------------------------------------------------------------------------------


def generate(
    prompt: str | None = None,
    model: Any = None,
    *,
    max_new_tokens: int = 32,
    do_sample: bool = False,
    temperature: float = 1.0,
    top_p: float = 1.0,
    seed: int | None = None,
    stop: str | Sequence[str] | None = None,
    messages: Sequence[dict[str, str]] | None = None,
    device: str | None = None,
    progress: Progress | None = None,
    partial: Partial | None = None,
    partial_every: float = 0.0,
    **analyze_options: Any,
) -> AFNResult:
    """Let a decoder write after ``prompt`` (or reply to a chat, ``messages``) and read every
    token, the prompt's and those written, as :func:`afn_widget.analyze` reads a text.

    The result has everything an ``analyze`` result has (``analyze_options``: ``layer``,
    ``quantile``, ``normalize``, ``top_k``, ``final_layer``, ... as there), and:

    * ``result.generated``: bool per token, True for those the model wrote;
    * the scores ``logprob`` and ``entropy`` (:mod:`afn_widget.logits`), always: the
      log-probability the model gave each token at the position before it, and the entropy of
      the distribution it was chosen from (nan for the first token; the same value at every
      layer); ``result.ids`` (the tokens' ids: ``analyze(result.ids, model)`` reads the same
      text again) and ``result.finish_reason`` (:data:`FINISH_REASONS`).

    ``model``: a hub name or local path, loaded with its LM head
    (``load_model(name, head=True)``), or a ``(model, tokenizer)`` pair whose model has its head
    (``AutoModelForCausalLM``); an encoder or a model without its head is refused with
    :class:`~afn_widget.errors.NoLMHeadError` before anything runs. There is no default model.

    ``max_new_tokens`` bounds the tokens written, and so does the model's context (or
    ``max_length``). Greedy by default; ``do_sample=True`` draws with ``temperature`` and
    ``top_p`` (:func:`choose`), reproducibly for a given ``seed``. ``stop``: a string or
    strings that end writing once the text written contains one (the token that completed it
    is kept). Writing also ends at an end-of-sequence token, which is kept, like
    ``model.generate`` keeps it.

    ``messages``, instead of ``prompt``: ``[{"role": "system" | "user" | "assistant",
    "content": ...}, ...]`` through the tokenizer's chat template, whose own tokens are special
    (:mod:`afn_widget.chat`); the model writes the assistant's reply, and ``result.chat_roles``
    gives each token's role (``"template"`` for the template's tokens).

    Streaming: ``progress(done, total)`` gets ``(0, total)`` first, then the number of tokens
    written after each (``total``: the most this call can write; ``(done, done)`` when it ends
    sooner); raise :class:`~afn_widget.errors.AnalysisCancelled` from it to abandon the call.
    ``partial(result)`` gets the result for the tokens read so far after the prompt and after
    each token written but the last, at most every ``partial_every`` seconds; it **stops** the
    writing by returning ``False`` (the result so far is returned, ``finish_reason`` is
    ``"stopped"``): a widget's Stop button sets a flag its ``partial`` returns.

    Not available while writing: ``normalize`` that needs statistics of the whole text, and the
    attention scores (each new token changes the attention the earlier ones receive); both are
    refused with the way to have them: ``analyze(result.ids, model, ...)``. ``stride`` and
    ``batch_windows`` do nothing here (one sequence, no windows).
    """
    sampling = check_sampling(
        max_new_tokens=max_new_tokens,
        do_sample=do_sample,
        temperature=temperature,
        top_p=top_p,
        seed=seed,
        stop=stop,
    )
    if (prompt is None) == (messages is None):
        raise AFNTypeError(
            "pass the prompt as text, generate('Once upon a time', model), or a chat as "
            "messages=[{'role': 'user', 'content': ...}]: one of the two."
        )
    prompt = None if prompt is None else V.check_text(prompt)
    messages = None if messages is None else check_messages(messages)
    opts = check_generate_options(analyze_options)
    _check_callable("progress", progress)
    _check_callable("partial", partial)
    every = partial_every
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not 0 <= every < 1e9:
        raise AFNInputError(f"partial_every must be a number of seconds >= 0, not {every!r}.")
    lm = load_model(model, device, head=True)
    check_generator(lm)
    writer = Writer(lm, opts, sampling, make_prompt(lm, prompt, messages))
    return run(writer, progress, partial, float(every))


def run(w: Writer, progress: Progress | None, partial: Partial | None, every: float) -> AFNResult:
    """The loop of :func:`generate` (module docstring), reporting as it says."""
    if progress is not None:
        progress(0, w.max_new)
    for start in range(0, len(w.prompt.ids), PROMPT_PART):
        logits = w.read(w.prompt.ids[start : start + PROMPT_PART])
    shown = -math.inf
    while True:
        if partial is not None and time.monotonic() - shown >= every:
            shown = time.monotonic()
            if partial(w.result()) is False:
                w.finish = "stopped"
                break
        piece = w.write(logits)
        logits = w.read(w.written[-1:])
        w.finish = w.ended(piece)
        if len(w.steps) >= CHUNK:
            w.take_in()
        if progress is not None:
            done = len(w.written)
            progress(done, done if w.finish else w.max_new)
        if w.finish:
            break
    return w.result()
