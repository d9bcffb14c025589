import assert from "node:assert/strict";
import { test } from "node:test";
import { flatRanges, layoutSpans, rebuildText } from "../spans.js";

const noSpecial = (n) => new Uint8Array(n);

function check(text, ranges, special = noSpecial(ranges.length)) {
  const lay = layoutSpans(text, ranges, special);
  assert.equal(rebuildText(text, lay), text, "gaps + spans must reproduce the text");
  // clusters are sorted, non-overlapping, non-empty
  for (let k = 0; k < lay.clusters.length; k++) {
    const c = lay.clusters[k];
    assert.ok(c.end > c.start);
    if (k) assert.ok(c.start >= lay.clusters[k - 1].end);
  }
  return lay;
}

test("gaps and spans reproduce the text, spaces and newlines included", () => {
  const text = "  Hello,  world!\n\nBye\t now ";
  const ranges = [[2, 7], [7, 8], [10, 15], [15, 16], [18, 21], [23, 26]];
  const lay = check(text, ranges);
  assert.equal(lay.clusters.length, 6);
  const kinds = lay.items.map((it) => it.kind);
  assert.deepEqual(kinds, [
    "gap", "cluster", "cluster", "gap", "cluster", "cluster", "gap", "cluster", "gap", "cluster", "gap",
  ]);
  assert.equal(lay.items[0].text, "  ");
  assert.equal(lay.items[6].text, "\n\n");
  assert.deepEqual(Array.from(lay.unitCluster), [0, 1, 2, 3, 4, 5]);
});

test("sub-word pieces stay separate spans inside one word", () => {
  const text = "unbelievable";
  const lay = check(text, [[0, 2], [2, 8], [8, 12]]);
  assert.equal(lay.clusters.length, 3);
  assert.equal(lay.items.filter((x) => x.kind === "gap").length, 0);
});

test("overlapping byte-level tokens of one emoji merge into one span", () => {
  const text = "hi 👋🏽 there"; // the emoji + modifier are 4 UTF-16 code units: [3, 7)
  assert.equal(text.slice(3, 7), "👋🏽");
  // GPT-2 style: byte tokens whose character spans overlap (each covers the characters its
  // bytes belong to)
  const ranges = [[0, 2], [2, 5], [3, 5], [3, 7], [5, 7], [7, 13]];
  const lay = check(text, ranges);
  assert.equal(lay.clusters.length, 3);
  assert.deepEqual(lay.clusters[1], { start: 2, end: 7, units: [1, 2, 3, 4] });
  assert.deepEqual(Array.from(lay.unitCluster), [0, 1, 1, 1, 1, 2]);
  // merely touching spans stay separate
  assert.equal(check(text, [[3, 5], [5, 7]]).clusters.length, 2);
  // partial overlap also merges
  const lay2 = check("abcdef", [[0, 3], [2, 5], [5, 6]]);
  assert.deepEqual(lay2.clusters.map((c) => [c.start, c.end, c.units]), [
    [0, 5, [0, 1]],
    [5, 6, [2]],
  ]);
});

test("null offsets = specials: pills after the previous unit, never in the text", () => {
  const text = "a b";
  const ranges = [null, [0, 1], [2, 3], null];
  const special = Uint8Array.from([1, 0, 0, 1]);
  const lay = check(text, ranges, special);
  assert.deepEqual(
    lay.items.map((it) => (it.kind === "gap" ? `gap:${it.text}` : it.kind === "pill" ? `pill:${it.unit}` : `c:${it.index}`)),
    ["pill:0", "c:0", "gap: ", "c:1", "pill:3"],
  );
  assert.deepEqual(Array.from(lay.unitCluster), [-1, 0, 1, -1]);
  // a special with (bogus) offsets still becomes a pill
  const lay2 = check("xy", [[0, 0], [0, 2], [2, 2]], Uint8Array.from([1, 0, 1]));
  assert.deepEqual(lay2.items.map((it) => it.kind), ["pill", "cluster", "pill"]);
});

test("zero-width ranges attach to a touching span or become pills; bad ranges are clamped", () => {
  const text = "ab cd";
  // [2,2] touches the end of "ab"; [3,3] precedes "cd" and merges with it
  const lay = check(text, [[0, 2], [2, 2], [3, 3], [3, 5]]);
  assert.deepEqual(lay.clusters.map((c) => c.units), [[0, 1], [2, 3]]);
  // isolated zero-width -> pill; out-of-range and reversed ranges are clamped
  const lay2 = check("a  b", [[0, 1], [2, 2], [3, 99], [5, 1]]);
  assert.deepEqual(lay2.clusters.map((c) => [c.start, c.end]), [[0, 1], [3, 4]]);
  assert.equal(lay2.unitCluster[1], -1); // [2, 2] touches nothing
  assert.equal(lay2.unitCluster[3], 1); // [5, 1] -> [4, 4], touching the end of "b"
});

test("unsorted offsets are laid out in text order", () => {
  const lay = check("one two", [[4, 7], [0, 3]]);
  assert.deepEqual(lay.clusters.map((c) => c.units), [[1], [0]]);
});

test("empty text and no units", () => {
  const lay = check("", []);
  assert.deepEqual(lay.items, []);
  const lay2 = check("just text", []);
  assert.deepEqual(lay2.items, [{ kind: "gap", text: "just text" }]);
});

// The layout as it was first written (an object per cluster and item): the columnar one must
// give the same clusters, items and unit clusters on any input.
function referenceLayout(text, ranges, isSpecial) {
  const n = ranges.length;
  const len = text.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const placed = [];
  for (let u = 0; u < n; u++) {
    const r = ranges[u];
    if (isSpecial[u] || !r || r.length < 2) continue;
    let s = Number(r[0]);
    let e = Number(r[1]);
    if (!Number.isFinite(s) || !Number.isFinite(e)) continue;
    s = Math.min(Math.max(Math.trunc(s), 0), len);
    e = Math.min(Math.max(Math.trunc(e), 0), len);
    if (e < s) e = s;
    starts[u] = s;
    ends[u] = e;
    placed.push(u);
  }
  placed.sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b] || a - b);

  const unitCluster = new Int32Array(n).fill(-1);
  let clusters = [];
  let cur = null;
  for (const u of placed) {
    const s = starts[u];
    const e = ends[u];
    const merge =
      cur !== null &&
      (s < cur.end || (s === cur.end && (s === e || cur.start === cur.end)));
    if (merge) {
      if (e > cur.end) cur.end = e;
      cur.units.push(u);
    } else {
      cur = { start: s, end: e, units: [u] };
      clusters.push(cur);
    }
  }
  // Isolated zero-width clusters have no text to show: their units become pills.
  clusters = clusters.filter((c) => c.end > c.start);
  clusters.forEach((c, k) => {
    c.units.sort((a, b) => a - b);
    for (const u of c.units) unitCluster[u] = k;
  });

  // Pills sit after the cluster of the nearest previous unit that has one (or at the start).
  const pillsAfter = new Map(); // cluster index (-1 = start) -> units
  let prevCluster = -1;
  for (let u = 0; u < n; u++) {
    if (unitCluster[u] >= 0) {
      prevCluster = unitCluster[u];
      continue;
    }
    if (!pillsAfter.has(prevCluster)) pillsAfter.set(prevCluster, []);
    pillsAfter.get(prevCluster).push(u);
  }

  const items = [];
  const pushPills = (k) => {
    const list = pillsAfter.get(k);
    if (list) for (const u of list) items.push({ kind: "pill", unit: u });
  };
  pushPills(-1);
  let pos = 0;
  clusters.forEach((c, k) => {
    if (c.start > pos) items.push({ kind: "gap", text: text.slice(pos, c.start) });
    items.push({ kind: "cluster", index: k });
    pushPills(k);
    pos = c.end;
  });
  if (pos < len) items.push({ kind: "gap", text: text.slice(pos) });
  return { clusters, items, unitCluster };
}

test("the columnar layout equals the object one on random texts, ranges and specials", () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 400; round++) {
    const len = Math.floor(rand() * 30);
    const text = Array.from({ length: len }, () => "ab .\n"[Math.floor(rand() * 5)]).join("");
    const n = Math.floor(rand() * 12);
    let pos = 0;
    const ranges = [];
    for (let u = 0; u < n; u++) {
      const r = rand();
      if (r < 0.15) ranges.push(null);
      else if (r < 0.3) {
        const s = Math.floor(rand() * (len + 3)) - 1; // anywhere, out of range too
        ranges.push([s, s + Math.floor(rand() * 6) - 1]);
      } else {
        const s = pos + Math.floor(rand() * 2);
        const e = s + Math.floor(rand() * 4);
        ranges.push([s, e]);
        pos = rand() < 0.2 ? s : e; // sometimes overlapping the next
      }
    }
    const special = Uint8Array.from(ranges, () => (rand() < 0.1 ? 1 : 0));
    const want = referenceLayout(text, ranges, special);
    const got = layoutSpans(text, ranges, special);
    const label = JSON.stringify({ text, ranges, special: Array.from(special) });
    assert.deepEqual(got.clusters, want.clusters, label);
    assert.deepEqual(got.items, want.items, label);
    assert.deepEqual(Array.from(got.unitCluster), Array.from(want.unitCluster), label);
    assert.equal(rebuildText(text, got), text, label);
    // the same from flat int32 pairs (what the data columns give)
    const flat = layoutSpans(text, flatRanges(ranges), special);
    assert.deepEqual(flat.items, want.items, label);
  }
});
