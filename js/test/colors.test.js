import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CSS,
  LUT,
  NO_COLOR,
  TEXT_CSS,
  colorIndex,
  colorIndices,
  gradientCss,
  relativeLuminance,
  scale01,
  textColorFor,
} from "../colors.js";

test("LUT is viridis: dark purple to yellow, 256 entries", () => {
  assert.equal(LUT.length, 768);
  assert.deepEqual(Array.from(LUT.subarray(0, 3)), [0x44, 0x01, 0x54]); // #440154
  assert.deepEqual(Array.from(LUT.subarray(765, 768)), [0xfd, 0xe7, 0x25]); // #fde725
  assert.equal(CSS[0], "rgb(68, 1, 84)");
  // sequential: luminance rises along the scale (8-bit rounding makes a few neighbours wobble
  // by less than 0.001, so compare every 8th entry strictly and neighbours with a tolerance)
  const lum = (i) => relativeLuminance(LUT[3 * i], LUT[3 * i + 1], LUT[3 * i + 2]);
  for (let i = 1; i < 256; i++) assert.ok(lum(i) > lum(i - 1) - 1e-3, `luminance drops at ${i}`);
  for (let i = 8; i < 256; i += 8) assert.ok(lum(i) > lum(i - 8), `not increasing at ${i}`);
});

test("scale01 edges: zero, equal values, NaN, negatives, clamping", () => {
  assert.equal(scale01(0, 0, 10), 0);
  assert.equal(scale01(10, 0, 10), 1);
  assert.equal(scale01(5, 0, 10), 0.5);
  // equal values / one-unit domain: middle colour, no division by zero
  assert.equal(scale01(3, 3, 3), 0.5);
  assert.equal(scale01(0, 0, 0), 0.5);
  // NaN anywhere -> NaN
  assert.ok(Number.isNaN(scale01(NaN, 0, 1)));
  assert.ok(Number.isNaN(scale01(1, NaN, NaN)));
  // negatives: plain linear map
  assert.equal(scale01(-5, -10, 0), 0.5);
  assert.equal(scale01(-10, -10, 10), 0);
  // outside the domain: clamped
  assert.equal(scale01(-1, 0, 1), 0);
  assert.equal(scale01(2, 0, 1), 1);
  assert.equal(scale01(Infinity, 0, 1), 1);
});

test("colorIndex follows matplotlib: floor(t * 256), 1.0 -> 255, NaN -> NO_COLOR", () => {
  assert.equal(colorIndex(0), 0);
  assert.equal(colorIndex(1), 255);
  assert.equal(colorIndex(0.5), 128);
  assert.equal(colorIndex(255 / 256), 255);
  assert.equal(colorIndex(254.999 / 256), 254);
  assert.equal(colorIndex(NaN), NO_COLOR);
  const out = colorIndices(Float64Array.from([0, 5, 10, NaN]), 0, 10);
  assert.deepEqual(Array.from(out), [0, 128, 255, NO_COLOR]);
  assert.deepEqual(Array.from(colorIndices([7, 7], 7, 7)), [128, 128]);
});

test("text colour: white on dark viridis, black on light", () => {
  assert.equal(TEXT_CSS[0], "#fff");
  assert.equal(TEXT_CSS[255], "#000");
  assert.equal(textColorFor(0, 0, 0), "#fff");
  assert.equal(textColorFor(255, 255, 255), "#000");
  // whichever is chosen has a contrast ratio >= 4.5 against every viridis entry
  for (let i = 0; i < 256; i++) {
    const L = relativeLuminance(LUT[3 * i], LUT[3 * i + 1], LUT[3 * i + 2]);
    const ratio = TEXT_CSS[i] === "#000" ? (L + 0.05) / 0.05 : 1.05 / (L + 0.05);
    assert.ok(ratio >= 4.5, `contrast ${ratio.toFixed(2)} at ${i}`);
  }
});

test("gradientCss has the end colours", () => {
  const g = gradientCss(5);
  assert.ok(g.startsWith("linear-gradient(to right, rgb(68, 1, 84) 0.0%"));
  assert.ok(g.includes("rgb(253, 231, 37) 100.0%"));
});
