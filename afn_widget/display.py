"""A view's output in a notebook: the widget, and beside it a picture and a plain text for
viewers that cannot run the widget (GitHub, nbviewer, ``nbconvert``, a notebook reopened
without its kernel, a screen reader).

Shown in IPython, a view's output carries a display id; when its analysis finishes after it
was shown (the analysis runs in the background), the output is replaced by one with the
picture (:meth:`Pictured._update_display`), the widget entry unchanged (the same model), so a
notebook saved afterwards holds the picture. A view never shown has no display id, and nothing
is updated; outside IPython nothing happens.

The bundle: ``application/vnd.jupyter.widget-view+json`` (the widget), ``image/png`` (the
figure of :mod:`afn_widget.figure`, its first :data:`FALLBACK_UNITS` units) and ``text/plain``:
a caption (score, layer, model) and the text with each HIGH unit in ``[brackets]``, in place of
the object's repr. A picture rather than the standalone page, because those viewers pick
``text/html`` first and strip its iframe and scripts, showing nothing. (``nbconvert --to html``
shows the widget entry instead when the notebook holds the widgets' state, as one executed by
``nbclient`` does by default; JupyterLab saves without it unless asked.)
"""

from __future__ import annotations

import base64
import io
import threading
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import buckets as B
from .figure import render, units_of
from .registry import TAS

if TYPE_CHECKING:  # pragma: no cover
    from .result import AFNResult

FALLBACK_UNITS = 600
"""A displayed view carries a picture of its first this many units (then "…") beside the
widget, for viewers without the widget's JavaScript."""

_LOCK = threading.Lock()  # a display and an update of it never interleave


def plain_text(result: AFNResult, granularity: str, score: str) -> str:
    """The figure in words: ``"<score> at layer L of N, <model>; HIGH <units> in [brackets]:"``
    and the text with each HIGH unit (the figure's, :func:`afn_widget.figure.units_of`) in
    brackets, the first :data:`FALLBACK_UNITS` units (then "…")."""
    units = units_of(result, granularity, score)
    name = result.score_name if score == TAS.name else score
    head = f"{name} at layer {result.layer} of {result.n_layers}, {result.model_name}"
    head += f"; HIGH {units.noun}s in [brackets]:"
    text, out, at = result.text, [], 0
    shown = list(zip(units.spans, units.buckets, strict=True))[:FALLBACK_UNITS]
    for (start, end), bucket in shown:
        out.append(text[at:start])
        unit = text[start:end]
        out.append(f"[{unit}]" if bucket == B.HIGH else unit)
        at = end
    rest = "…" if len(units.spans) > FALLBACK_UNITS else text[at:]
    return f"{head}\n{''.join(out)}{rest}"


def picture(results: Sequence[AFNResult], granularity: str, score: str) -> tuple[bytes, str]:
    """The PNG of ``results`` (one figure each, the first above the second) and their plain
    text (:func:`plain_text`, one after the other)."""
    options = {"granularity": granularity, "score": score, "max_units": FALLBACK_UNITS}
    pngs = [render(r, "png", scale=1.5, **options) for r in results]
    texts = [plain_text(r, granularity, score) for r in results]
    return pngs[0] if len(pngs) == 1 else stacked(pngs), "\n\n".join(texts)


def stacked(pngs: Sequence[bytes]) -> bytes:
    """One PNG of ``pngs`` one above the other, left-aligned on white."""
    import matplotlib.image as mpimg

    images = [mpimg.imread(io.BytesIO(png), format="png")[..., :3] for png in pngs]
    width = max(im.shape[1] for im in images)
    padded = [np.pad(im, ((0, 0), (0, width - im.shape[1]), (0, 0)), constant_values=1.0)
              for im in images]  # fmt: skip
    out = io.BytesIO()
    mpimg.imsave(out, np.concatenate(padded, axis=0), format="png")
    return out.getvalue()


class Pictured:
    """The display methods of a widget with a picture (mixed in before the widget class):
    the widget provides :meth:`_picture`."""

    _display_id: str | None = None

    def _picture(self, settled: bool) -> tuple[bytes, str] | None:
        """The PNG and plain text of what the widget shows, or ``None`` when it has nothing to
        show yet; ``settled``: no analysis is about to replace it."""
        return None

    def _bundle(self, settled: bool, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget's mimebundle, as ``(data, metadata)``, with the picture when there is one
        (a picture that cannot be drawn is left out: it must never hide the widget)."""
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        try:
            shown = self._picture(settled)
        except Exception:  # noqa: BLE001 - whatever it is, the widget is shown without it
            shown = None
        if shown is not None:
            data["image/png"] = base64.b64encode(shown[0]).decode("ascii")
            data["text/plain"] = shown[1]
        return data, metadata

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget, its picture and its text (what non-IPython frontends ask for)."""
        return self._bundle(False, **kwargs)

    def _ipython_display_(self) -> None:
        """Show the bundle under this widget's display id (one per widget, made when it is
        first shown), so that :meth:`_update_display` can replace it."""
        from IPython.display import display

        with _LOCK:
            data, metadata = self._bundle(False)
            self._display_id = self._display_id or f"afn-{uuid.uuid4().hex}"
            display(data, raw=True, metadata=metadata, display_id=self._display_id)

    def _update_display(self) -> None:
        """Replace the widget's shown outputs by its bundle now (its analysis has finished);
        nothing when it was never shown."""
        with _LOCK:
            if self._display_id is None:
                return
            from IPython.display import update_display

            data, metadata = self._bundle(True)
            update_display(data, raw=True, metadata=metadata, display_id=self._display_id)
