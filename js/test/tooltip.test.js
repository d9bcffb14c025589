import assert from "node:assert/strict";
import { test } from "node:test";
import { zoomWindow } from "../panels/heatmap.js";
import { scoreName } from "../panels/header.js";
import { anchorIn, hintText, intersect, placeTooltip } from "../tooltip.js";

const rect = (left, top, right, bottom) => ({ left, top, right, bottom });

test("anchorIn: a target in sight is its own anchor", () => {
  const t = rect(10, 100, 50, 120);
  assert.deepEqual(anchorIn(t, rect(0, 50, 800, 600)), { rect: t, away: false });
  // partly in sight is in sight
  assert.equal(anchorIn(rect(10, 40, 50, 60), rect(0, 50, 800, 600)).away, false);
});

test("anchorIn: a target scrolled out of sight leaves its anchor at the edge it left by", () => {
  const area = rect(0, 50, 800, 600);
  assert.deepEqual(anchorIn(rect(10, -80, 50, -60), area), { rect: rect(10, 50, 50, 50), away: true });
  assert.deepEqual(anchorIn(rect(10, 900, 50, 920), area), { rect: rect(10, 600, 50, 600), away: true });
  assert.deepEqual(anchorIn(rect(-90, 100, -40, 120), area).rect, rect(0, 100, 0, 120));
});

test("intersect and hintText", () => {
  assert.deepEqual(intersect(rect(0, 0, 100, 100), rect(50, -10, 200, 60)), rect(50, 0, 100, 60));
  const empty = intersect(rect(0, 0, 10, 10), rect(20, 20, 30, 30));
  assert.ok(empty.right < empty.left);
  assert.equal(hintText(false, false), "click to pin");
  assert.match(hintText(true, false), /Esc or click to unpin/);
  assert.match(hintText(true, true), /out of sight/);
});

test("zoomWindow: the units in view at px pixels each", () => {
  assert.deepEqual(zoomWindow(1000, 8, 0, 600), { start: 0, end: 75 });
  assert.deepEqual(zoomWindow(1000, 8, 4, 600), { start: 0, end: 76 }); // a part-shown unit
  assert.deepEqual(zoomWindow(1000, 8, 7400, 600), { start: 925, end: 1000 });
  assert.deepEqual(zoomWindow(10, 16, 0, 600), { start: 0, end: 10 });
  assert.deepEqual(zoomWindow(0, 8, 0, 600), { start: 0, end: 0 });
});

test("scoreName: the scores' name, TAS when none is given", () => {
  assert.equal(scoreName("attention received"), "attention received");
  assert.equal(scoreName("  saliency "), "saliency");
  for (const v of ["", "  ", null, undefined, 3]) assert.equal(scoreName(v), "TAS");
});

test("placeTooltip: inside the area it can be drawn in, when that is less than the viewport", () => {
  const root = { left: 0, top: 0 };
  const area = rect(40, 90, 380, 870); // a notebook's box in a 420 px wide window
  const p = placeTooltip(rect(300, 100, 340, 120), root, 200, 300, 420, 900, 6, area);
  assert.deepEqual(p, { left: 176, top: 126 }); // right edge 376, not 416 (the window's)
  // above when it does not fit below the target in the area
  assert.equal(placeTooltip(rect(50, 700, 90, 720), root, 100, 300, 420, 900, 6, area).top, 394);
  assert.equal(placeTooltip(rect(10, 100, 30, 120), root, 100, 50, 420, 900, 6, area).left, 44);
});
