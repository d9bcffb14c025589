// Tooltip content (DOM built with createElement/textContent only) and placement.
import { h, svgEl } from "./dom.js";
import { finiteRange, pathThrough, sparklinePoints } from "./flow.js";
import { fmt3, fmtValue } from "./stats.js";

/** Text shown for a unit: visible whitespace so " " or "\n" units are readable. */
export function displayText(s) {
  if (s === "") return "∅";
  return s.replace(/\n/g, "⏎").replace(/\t/g, "⇥");
}

/**
 * Inline-SVG sparkline of a unit's value across layers, with the per-layer threshold as a
 * dashed line (when given) and the current layer marked.
 */
export function sparklineSvg(doc, series, thresholds, layer, width = 220, height = 48) {
  const [lo, hi] = thresholds ? finiteRange(series, thresholds) : finiteRange(series);
  const svg = svgEl(doc, "svg", {
    class: "afn-spark",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": "value across layers",
  });
  const path = (values, cls) => {
    const pts = sparklinePoints(values, width, height, 4, lo, hi);
    const d = pathThrough(pts);
    if (d) svg.appendChild(svgEl(doc, "path", { d, class: cls, fill: "none" }));
    return pts;
  };
  if (thresholds) path(thresholds, "afn-spark-thr");
  const pts = path(series, "afn-spark-line");
  const p = pts[layer];
  if (p) {
    svg.appendChild(svgEl(doc, "line", { x1: p[0], x2: p[0], y1: 0, y2: height, class: "afn-spark-cursor" }));
    svg.appendChild(svgEl(doc, "circle", { cx: p[0], cy: p[1], r: 3, class: "afn-spark-dot" }));
  }
  return svg;
}

/**
 * Fill `tip` with the description of one unit.
 * info: { text, pieces[], score (the scores' name: TAS unless given), tas, layer, nLayers,
 *         rank, nEligible, percentile, bucket, role, massive ({dim, value, token}: a massive
 *         activation at this layer, token named when it is one of a word's; null for none),
 *         series, thresholds, dims: [{dim, share}], dimsPending, dimsError, dimsOf, pinned,
 *         kind, undefinedNote, written, chatRole, writer }
 * dimsPending: the dims are on their way ("loading…"); dimsError: why there are none.
 * A unit without a value at the layer (bucket UNDEFINED) shows no bucket badge, its value as
 * "undefined", and undefinedNote (why the score is undefined at the whole layer) when given.
 * A token a model wrote (written.js): written ("written by the model, step k"), chatRole (its
 * chat role, "" for none) and writer ([[name, value]]: the LM head's scores not shown).
 */
export function fillTooltip(tip, info) {
  const doc = tip.ownerDocument;
  tip.replaceChildren();

  const head = h(doc, "div", "afn-tt-head");
  head.appendChild(h(doc, "span", "afn-tt-text", displayText(info.text)));
  if (info.bucket && info.bucket !== "UNDEFINED") {
    const badge = h(doc, "span", info.bucket === "HIGH" ? "afn-tt-bucket afn-tt-high" : "afn-tt-bucket", info.bucket);
    badge.dataset.field = "bucket";
    head.appendChild(badge);
  }
  tip.appendChild(head);
  if (info.written) {
    const w = h(doc, "div", "afn-tt-written", info.written);
    w.dataset.field = "written";
    tip.appendChild(w);
  }
  if (info.undefinedNote) {
    const note = h(doc, "div", "afn-tt-undefined", info.undefinedNote);
    note.dataset.field = "undefined";
    tip.appendChild(note);
  }

  if (info.pieces && info.pieces.length) {
    const pieces = h(doc, "div", "afn-tt-pieces");
    pieces.appendChild(h(doc, "span", "afn-tt-label", info.pieces.length > 1 ? "tokens" : "token"));
    for (const p of info.pieces) pieces.appendChild(h(doc, "code", "afn-tt-piece", p));
    tip.appendChild(pieces);
  }

  // Divs, not a <dl>: notebook stylesheets give dt a float and a fixed width.
  const grid = h(doc, "div", "afn-tt-grid");
  const row = (label, value, field) => {
    grid.appendChild(h(doc, "span", "afn-tt-key", label));
    const v = h(doc, "span", "afn-tt-val", value);
    if (field) v.dataset.field = field;
    grid.appendChild(v);
  };
  const score = info.score || "TAS";
  row(score, fmtValue(info.tas), "tas");
  row("rank", info.rank > 0 ? `${info.rank} / ${info.nEligible}` : "unranked", "rank");
  row(
    "percentile",
    Number.isFinite(info.percentile) ? info.percentile.toFixed(1) : "—",
    "percentile",
  );
  row("role", info.role || "—", "role");
  if (info.chatRole) row("chat role", info.chatRole, "chat-role");
  for (const [name, value] of info.writer || []) row(name, fmtValue(value), name);
  if (info.massive) {
    const { dim, value, token } = info.massive;
    row("massive", `dim ${dim} = ${fmt3(value)}${token ? ` (${token})` : ""}`, "massive");
  }
  row("layer", `${info.layer} / ${info.nLayers}`, "layer");
  tip.appendChild(grid);

  if (info.series && info.series.length > 1) {
    const sp = h(doc, "div", "afn-tt-spark");
    sp.appendChild(sparklineSvg(doc, info.series, info.thresholds, info.layer));
    const cap = h(doc, "div", "afn-tt-caption");
    cap.textContent = `${score} by layer${info.thresholds ? " (dashed: HIGH threshold)" : ""}`;
    sp.appendChild(cap);
    tip.appendChild(sp);
  }

  if (hasDims(info)) tip.appendChild(dimsBox(doc, info));

  tip.appendChild(h(doc, "div", "afn-tt-hint", hintText(info.pinned, false)));
}

/** The tooltip's last line: how to pin or unpin it (away: pinned, its token out of sight). */
export function hintText(pinned, away) {
  if (!pinned) return "click to pin";
  return away ? "pinned · its token is out of sight · Esc to unpin" : "pinned · Esc or click to unpin";
}

const hasDims = (info) =>
  (info.dims && info.dims.length > 0) || info.dimsPending || info.dimsError !== undefined;

// The top hidden dims of the unit (or of its strongest token), a line saying they are being
// fetched, or why they are missing.
function dimsBox(doc, info) {
  const box = h(doc, "div", "afn-tt-dims");
  const of = info.dimsOf ? ` (of ${info.dimsOf})` : "";
  box.appendChild(h(doc, "div", "afn-tt-caption", `top hidden dims at layer ${info.layer}${of}`));
  if (info.dimsError !== undefined) {
    box.appendChild(h(doc, "div", "afn-tt-dims-error", String(info.dimsError)));
  } else if (info.dimsPending) {
    box.setAttribute("aria-busy", "true");
    box.appendChild(h(doc, "div", "afn-tt-dims-pending", "loading…"));
  } else {
    for (const d of info.dims) box.appendChild(dimRow(doc, d));
  }
  return box;
}

function dimRow(doc, d) {
  const r = h(doc, "div", "afn-tt-dim");
  r.appendChild(h(doc, "span", "afn-tt-dim-id", `d${d.dim}`));
  const bar = h(doc, "span", "afn-tt-dim-bar");
  const fill = h(doc, "span", "afn-tt-dim-fill");
  fill.style.width = `${Math.max(0, Math.min(100, d.share))}%`;
  bar.appendChild(fill);
  r.appendChild(bar);
  r.appendChild(h(doc, "span", "afn-tt-dim-share", `${d.share}%`));
  return r;
}

/**
 * Where to put a tooltip of size (tw, th) for a target rect, in coordinates relative to the
 * root's rect: below the target if it fits in the area it can be drawn in, else above; clamped
 * horizontally into that area. The area: the viewport (vw x vh), or a part of it (a notebook
 * whose box clips what it holds). All rects are viewport rects ({left, top, right, bottom}).
 */
export function placeTooltip(target, root, tw, th, vw, vh, gap = 6, area = null) {
  const a = area || { left: 0, top: 0, right: vw, bottom: vh };
  let left = target.left;
  if (left + tw > a.right - 4) left = a.right - 4 - tw;
  if (left < a.left + 4) left = a.left + 4;
  let top = target.bottom + gap;
  if (top + th > a.bottom - 4 && target.top - gap - th >= a.top + 4) top = target.top - gap - th;
  return { left: left - root.left, top: top - root.top };
}

/**
 * The rect a pinned tooltip hangs from: the target's, or, when the target has scrolled out of
 * `area` (the part of the page in sight), the edge of `area` it left by, so that the tooltip stays
 * in sight, still pinned. Returns {rect, away} (away: the target is out of sight).
 */
export function anchorIn(target, area) {
  const clampY = (y) => Math.min(Math.max(y, area.top), area.bottom);
  const clampX = (x) => Math.min(Math.max(x, area.left), area.right);
  const away =
    target.bottom <= area.top || target.top >= area.bottom ||
    target.right <= area.left || target.left >= area.right;
  if (!away) return { rect: target, away };
  const top = clampY(target.top);
  const bottom = clampY(target.bottom);
  const left = clampX(target.left);
  return { rect: { left, right: Math.max(left, clampX(target.right)), top, bottom }, away };
}

/** The intersection of rects ({left, top, right, bottom}); empty ones have right < left. */
export function intersect(a, b) {
  return {
    left: Math.max(a.left, b.left),
    top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right),
    bottom: Math.min(a.bottom, b.bottom),
  };
}
