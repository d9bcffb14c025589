// Tooltip content (DOM built with createElement/textContent only) and placement.
import { sparklinePoints } from "./flow.js";
import { fmt3 } from "./stats.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function el(doc, tag, cls, text) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(doc, tag, attrs) {
  const e = doc.createElementNS(SVG_NS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}

/** Text shown for a unit: visible whitespace so " " or "\n" units are readable. */
export function displayText(s) {
  if (s === "") return "∅";
  return s.replace(/\n/g, "⏎").replace(/\t/g, "⇥");
}

/**
 * Inline-SVG sparkline of a unit's value across layers, with the per-layer threshold as a
 * dashed line (when given) and the current layer marked.
 */
export function sparklineSvg(doc, series, thresholds, layer, w = 220, h = 48) {
  let lo = Infinity;
  let hi = -Infinity;
  const all = thresholds ? [series, thresholds] : [series];
  for (const arr of all) {
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  const svg = svgEl(doc, "svg", {
    class: "afn-spark",
    width: w,
    height: h,
    viewBox: `0 0 ${w} ${h}`,
    role: "img",
    "aria-label": "value across layers",
  });
  const path = (values, cls) => {
    const pts = sparklinePoints(values, w, h, 4, lo, hi);
    let d = "";
    let pen = false;
    for (const p of pts) {
      if (!p) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
      pen = true;
    }
    if (d) svg.appendChild(svgEl(doc, "path", { d, class: cls, fill: "none" }));
    return pts;
  };
  if (thresholds) path(thresholds, "afn-spark-thr");
  const pts = path(series, "afn-spark-line");
  const p = pts[layer];
  if (p) {
    svg.appendChild(svgEl(doc, "line", { x1: p[0], x2: p[0], y1: 0, y2: h, class: "afn-spark-cursor" }));
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

  const head = el(doc, "div", "afn-tt-head");
  head.appendChild(el(doc, "span", "afn-tt-text", displayText(info.text)));
  const badge = el(doc, "span", info.bucket === "HIGH" ? "afn-tt-bucket afn-tt-high" : "afn-tt-bucket", info.bucket);
  badge.dataset.field = "bucket";
  head.appendChild(badge);
  tip.appendChild(head);

  if (info.pieces && info.pieces.length) {
    const pieces = el(doc, "div", "afn-tt-pieces");
    pieces.appendChild(el(doc, "span", "afn-tt-label", info.pieces.length > 1 ? "tokens" : "token"));
    for (const p of info.pieces) pieces.appendChild(el(doc, "code", "afn-tt-piece", p));
    tip.appendChild(pieces);
  }

  const grid = el(doc, "dl", "afn-tt-grid");
  const row = (label, value, field) => {
    grid.appendChild(el(doc, "dt", null, label));
    const dd = el(doc, "dd", null, value);
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
    const sp = el(doc, "div", "afn-tt-spark");
    sp.appendChild(sparklineSvg(doc, info.series, info.thresholds, info.layer));
    const cap = el(doc, "div", "afn-tt-caption");
    cap.textContent = info.thresholds
      ? "TAS by layer (dashed: HIGH threshold)"
      : "TAS by layer";
    sp.appendChild(cap);
    tip.appendChild(sp);
  }

  if (hasDims(info)) tip.appendChild(dimsBox(doc, info));

  tip.appendChild(
    el(doc, "div", "afn-tt-hint", info.pinned ? "pinned · Esc or click to unpin" : "click to pin"),
  );
}

const hasDims = (info) =>
  (info.dims && info.dims.length > 0) || info.dimsPending || info.dimsError !== undefined;

// The top hidden dims of the unit (or of its strongest token), a line saying they are being
// fetched, or why they are missing.
function dimsBox(doc, info) {
  const box = el(doc, "div", "afn-tt-dims");
  const of = info.dimsOf ? ` (of ${info.dimsOf})` : "";
  box.appendChild(el(doc, "div", "afn-tt-caption", `top hidden dims at layer ${info.layer}${of}`));
  if (info.dimsError !== undefined) {
    box.appendChild(el(doc, "div", "afn-tt-dims-error", String(info.dimsError)));
  } else if (info.dimsPending) {
    box.setAttribute("aria-busy", "true");
    box.appendChild(el(doc, "div", "afn-tt-dims-pending", "loading…"));
  } else {
    for (const d of info.dims) box.appendChild(dimRow(doc, d));
  }
  return box;
}

function dimRow(doc, d) {
  const r = el(doc, "div", "afn-tt-dim");
  r.appendChild(el(doc, "span", "afn-tt-dim-id", `d${d.dim}`));
  const bar = el(doc, "span", "afn-tt-dim-bar");
  const fill = el(doc, "span", "afn-tt-dim-fill");
  fill.style.width = `${Math.max(0, Math.min(100, d.share))}%`;
  bar.appendChild(fill);
  r.appendChild(bar);
  r.appendChild(el(doc, "span", "afn-tt-dim-share", `${d.share}%`));
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
