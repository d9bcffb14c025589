import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROLS, CONTROL_MODES, DEFAULT_SETTINGS, NORMALIZATIONS, NORMALIZATION_LABELS } from "../controls.js";
import { exitTarget, reachesHost } from "../keys.js";
import { plainSentence, topShare } from "../plain.js";
import { HIGH, INELIGIBLE, LOW, headerCounts } from "../stats.js";

test("controls: 'full' or 'simple', 'full' by default; anything else is ignored", () => {
  assert.deepEqual(CONTROL_MODES, ["full", "simple"]);
  assert.equal(DEFAULT_SETTINGS.controls, "full");
  for (const v of CONTROL_MODES) assert.equal(CONTROLS.controls.parse(v), v);
  for (const v of ["Simple", "easy", "", null, undefined, 0, true])
    assert.equal(CONTROLS.controls.parse(v), undefined, String(v));
});

test("every normalization has a plain label of its own", () => {
  const labels = NORMALIZATIONS.map((n) => NORMALIZATION_LABELS[n]);
  assert.ok(labels.every((l) => typeof l === "string" && l.length > 0 && l.length <= 20), String(labels));
  assert.equal(new Set(labels).size, labels.length);
});

test("topShare: 1 - q as a fraction where it is 1/k (k = 2..10), else a percentage", () => {
  const words = { 2: "half", 3: "third", 4: "quarter", 5: "fifth", 10: "tenth" };
  for (const [k, w] of Object.entries(words)) assert.equal(topShare(1 - 1 / Number(k)), `the top ${w}`, k);
  assert.equal(topShare(0.75), "the top quarter");
  assert.equal(topShare(2 / 3), "the top third");
  // the percentage is 100 (1 - q), rounded to one decimal (two significant digits below 1 %)
  for (const q of [0.7, 0.6, 0.35, 0.123, 0.975, 0.05]) {
    const pct = Math.round((1 - q) * 1000) / 10;
    assert.equal(topShare(q), `the top ${pct} %`, String(q));
  }
  assert.equal(topShare(0.9995), "the top 0.05 %");
});

test("plainSentence: the score, the unit and the quantile, colours from low to high", () => {
  const s = plainSentence("TAS", "word", 0.75);
  assert.equal(
    s,
    "Colour: each word's activation strength (TAS) at this layer, dark purple for low and " +
      "yellow for high. Outlined: the top quarter (HIGH).",
  );
  assert.match(plainSentence("attention", "token", 0.9), /each token's attention at .* the top tenth \(HIGH\)\.$/);
  // the viridis scale runs from dark purple (its first entry) to yellow (its last)
  assert.ok(s.indexOf("dark purple") < s.indexOf("yellow"));
});

test("headerCounts: punctuation left out of both counts in the Words view only", () => {
  const buckets = Uint8Array.from([HIGH, LOW, HIGH, LOW, INELIGIBLE, HIGH]);
  const eligible = Uint8Array.from([1, 1, 1, 1, 0, 1]);
  const roles = ["content", "punctuation", "punctuation", "function", "special", "content"];
  // independent count: eligible units whose role is not punctuation
  const kept = [0, 1, 2, 3, 4, 5].filter((u) => eligible[u] && roles[u] !== "punctuation");
  assert.deepEqual(headerCounts(buckets, eligible, roles, true), {
    high: kept.filter((u) => buckets[u] === HIGH).length,
    ranked: kept.length,
    punctuation: 2,
    highPunctuation: 1,
  });
  const none = { punctuation: 0, highPunctuation: 0 };
  assert.deepEqual(headerCounts(buckets, eligible, roles, false), { high: 3, ranked: 5, ...none });
  const empty = headerCounts(new Uint8Array(0), new Uint8Array(0), [], true);
  assert.deepEqual(empty, { high: 0, ranked: 0, ...none });
});

// a stand-in element: its parent and whether it has a tabindex
const node = (parent, tabindex = false) => ({
  parentElement: parent,
  hasAttribute: (a) => a === "tabindex" && tabindex,
});

test("exitTarget: the nearest element around the view that holds a tabindex, else the view", () => {
  const notebook = node(null, true);
  const cell = node(notebook, true);
  const output = node(cell);
  const root = node(output);
  assert.equal(exitTarget(root), cell);
  const alone = node(node(node(null)));
  assert.equal(exitTarget(alone), alone);
});

test("keys: an Escape the view does not use reaches the page as before", () => {
  const esc = { key: "Escape", ctrlKey: false, altKey: false, metaKey: false, shiftKey: false };
  assert.equal(reachesHost(esc, true), true);
  assert.equal(reachesHost(esc, false), false);
});
