"""A chat as a model reads it: messages through the tokenizer's chat template.

``messages = [{"role": "system" | "user" | "assistant", "content": "..."}, ...]`` are rendered
by ``tokenizer.apply_chat_template(messages, add_generation_prompt=True)`` (what the model was
trained to read, ending where the assistant's reply begins) and tokenized as the template's
text, its markers (``<|im_start|>``, ...) read as the special tokens they are.

What the template adds (markers, role headers, line breaks) is **template**: special tokens,
with no span, chat role ``"template"``. The messages' contents are text: the result's text is
the contents, one after the other with :data:`SEPARATOR` between them, and each content token
has its span there and the role of its message. Where a template trims a content, the trimmed
content is what is found.

The template's text is found by rendering the same messages with a marker in place of each
content: the pieces between the markers are the template's, so a content that repeats a role's
name is never mistaken for the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from .errors import AFNTypeError, TokenizerError
from .tokens import as_found, strip_spans

TEMPLATE = "template"
"""The chat role of a token the template adds."""
SEPARATOR = "\n\n"
"""Between two messages' contents in the result's text (and before the reply)."""
_MARK = "\ue000{}\ue001"  # private-use characters around a message's index: no template's text


class Chat(NamedTuple):
    """A chat's prompt: the text of its contents, its token ids, their spans there (``None``:
    the template's) and their chat roles."""

    text: str
    ids: list[int]
    offsets: list[tuple[int, int] | None]
    roles: list[str]


def check_messages(messages: Any) -> list[dict[str, str]]:
    """``messages`` as a list of ``{"role", "content"}`` dicts of strings, or a typed error."""
    example = '[{"role": "user", "content": "Write a haiku."}]'
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise AFNTypeError(f"messages must be a non-empty list of messages, e.g. {example}.")
    out = []
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        content = m.get("content") if isinstance(m, dict) else None
        if not isinstance(role, str) or not role.strip() or not isinstance(content, str):
            raise AFNTypeError(
                f"message {i} must be a dict with a 'role' (e.g. 'user') and a 'content' "
                f"string, e.g. {example}; got {m!r:.80}."
            )
        out.append(dict(m))  # as given: a template may read more than role and content
    return out


def _render(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    try:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    except Exception as exc:  # a template's own error (jinja), e.g. roles out of order
        raise TokenizerError(
            f"the tokenizer's chat template refused these messages: {exc}. Check the roles and "
            "their order (many templates want user and assistant turns to alternate)."
        ) from exc


def content_spans(
    tokenizer: Any, messages: list[dict[str, str]]
) -> tuple[str, list[tuple[int, int] | None]]:
    """The rendered chat and each message's content span in it (``None`` for a message the
    template leaves out), found between the template's own pieces (module docstring)."""
    if not getattr(tokenizer, "chat_template", None):
        raise TokenizerError(
            f"{type(tokenizer).__name__} has no chat template; set tokenizer.chat_template, "
            "or pass the prompt as text instead of messages."
        )
    rendered = _render(tokenizer, messages)
    marked = [{**m, "content": _MARK.format(i)} for i, m in enumerate(messages)]
    skeleton = _render(tokenizer, marked)
    spans: list[tuple[int, int] | None] = []
    pos = cut = 0  # in rendered, in skeleton
    for i, m in enumerate(messages):
        at = skeleton.find(_MARK.format(i), cut)
        if at < 0:
            spans.append(None)
            continue
        pos += at - cut  # the template's text before the content
        cut = at + len(_MARK.format(i))
        content = m["content"]
        if not rendered.startswith(content, pos):
            content = content.strip()
        if not rendered.startswith(content, pos):
            raise TokenizerError(
                f"the chat template changes message {i}'s content beyond trimming it; its "
                "tokens cannot be told from the template's. Pass the prompt as text instead."
            )
        spans.append((pos, pos + len(content)))
        pos += len(content)
    return rendered, spans


def chat_prompt(tokenizer: Any, messages: list[dict[str, str]]) -> Chat:
    """The tokens of the chat (module docstring), ready for the reply."""
    rendered, spans = content_spans(tokenizer, messages)
    with as_found(tokenizer):
        enc = tokenizer(
            rendered, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
    parts, starts = [], []  # the contents in the text, where each begins there
    for span in spans:
        if span is not None:
            starts.append(sum(map(len, parts)) + len(SEPARATOR) * len(parts))
            parts.append(rendered[span[0] : span[1]])
        else:
            starts.append(None)
    text = SEPARATOR.join(parts)
    offsets: list[tuple[int, int] | None] = []
    roles: list[str] = []
    for s, e in enc["offset_mapping"]:
        k = _message_of(s, e, spans)
        if k is None:
            offsets.append(None)
            roles.append(TEMPLATE)
            continue
        a, b = spans[k]
        shift = starts[k] - a
        clipped = (max(s, a) + shift, min(max(e, s), b) + shift)
        offsets.append(strip_spans(text, [clipped])[0])
        roles.append(messages[k]["role"])
    return Chat(text, list(enc["input_ids"]), offsets, roles)


def _message_of(s: int, e: int, spans: list[tuple[int, int] | None]) -> int | None:
    """The message whose content the token at ``[s, e)`` of the rendered chat is part of: its
    span overlaps the content (an empty one lies inside it)."""
    for k, span in enumerate(spans):
        if span is None:
            continue
        a, b = span
        if (s < b and e > a) or (s == e and a <= s < b):
            return k
    return None
