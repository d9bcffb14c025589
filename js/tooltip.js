// Tooltip content (DOM built with createElement/textContent only) and placement.
import { h, svgEl } from "./dom.js";
import { finiteRange, pathThrough, sparklinePoints } from "./flow.js";
import { fmt3 } from "./stats.js";

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
 * info: { text, pieces[], tas, layer, nLayers, rank, nEligible, percentile, bucket, role,
 *         series, thresholds, dims: [{dim, share}], dimsPending, dimsError, dimsOf, pinned,
 *         kind }
 * dimsPending: the dims are on their way ("loading…"); dimsError: why there are none.
 */
export function fillTooltip(tip, info) {
  const doc = tip.ownerDocument;
  tip.replaceChildren();

  const head = h(doc, "div", "afn-tt-head");
  head.appendChild(h(doc, "span", "afn-tt-text", displayText(info.text)));
  const badge = h(doc, "span", info.bucket === "HIGH" ? "afn-tt-bucket afn-tt-high" : "afn-tt-bucket", info.bucket);
  badge.dataset.field = "bucket";
  head.appendChild(badge);
  tip.appendChild(head);

  if (info.pieces && info.pieces.length) {
    const pieces = h(doc, "div", "afn-tt-pieces");
    pieces.appendChild(h(doc, "span", "afn-tt-label", info.pieces.length > 1 ? "tokens" : "token"));
    for (const p of info.pieces) pieces.appendChild(h(doc, "code", "afn-tt-piece", p));
    tip.appendChild(pieces);
  }

  const grid = h(doc, "dl", "afn-tt-grid");
  const row = (label, value, field) => {
    grid.appendChild(h(doc, "dt", null, label));
    const dd = h(doc, "dd", null, value);
    if (field) dd.dataset.field = field;
    grid.appendChild(dd);
  };
  row("TAS", fmt3(info.tas), "tas");
  row("rank", info.rank > 0 ? `${info.rank} / ${info.nEligible}` : "unranked", "rank");
  row(
    "percentile",
    Number.isFinite(info.percentile) ? info.percentile.toFixed(1) : "—",
    "percentile",
  );
  row("role", info.role || "—", "role");
  row("layer", `${info.layer} / ${info.nLayers}`, "layer");
  tip.appendChild(grid);

  if (info.series && info.series.length > 1) {
    const sp = h(doc, "div", "afn-tt-spark");
    sp.appendChild(sparklineSvg(doc, info.series, info.thresholds, info.layer));
    const cap = h(doc, "div", "afn-tt-caption");
    cap.textContent = info.thresholds
      ? "TAS by layer (dashed: HIGH threshold)"
      : "TAS by layer";
    sp.appendChild(cap);
    tip.appendChild(sp);
  }

  if (hasDims(info)) tip.appendChild(dimsBox(doc, info));

  tip.appendChild(
    h(doc, "div", "afn-tt-hint", info.pinned ? "pinned · Esc or click to unpin" : "click to pin"),
  );
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
 * root's rect: below the target if it fits in the viewport, else above; clamped horizontally
 * into the viewport. All rects are viewport rects ({left, top, right, bottom}).
 */
export function placeTooltip(target, root, tw, th, vw, vh, gap = 6) {
  let left = target.left;
  if (left + tw > vw - 4) left = vw - 4 - tw;
  if (left < 4) left = 4;
  let top = target.bottom + gap;
  if (top + th > vh - 4 && target.top - gap - th >= 4) top = target.top - gap - th;
  return { left: left - root.left, top: top - root.top };
}
