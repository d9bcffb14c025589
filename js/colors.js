// Colour scale: viridis (perceptually uniform, colour-blind safe), 256 entries.
// The LUT is matplotlib's viridis sampled at its 256 native entries, rounded to 8 bits,
// and indexed the way matplotlib indexes it: index = min(255, floor(t * 256)).
// Token colours are theme-independent; text is black or white by background luminance.

const VIRIDIS_HEX =
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769" +
  "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a" +
  "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85" +
  "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b" +
  "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d" +
  "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e" +
  "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e" +
  "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d" +
  "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88" +
  "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81" +
  "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74" +
  "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863" +
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d" +
  "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32" +
  "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a" +
  "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";

/** 256 x [r, g, b] as a flat Uint8Array (length 768). */
export const LUT = (() => {
  const out = new Uint8Array(768);
  for (let i = 0; i < 768; i++) out[i] = parseInt(VIRIDIS_HEX.substr(i * 2, 2), 16);
  return out;
})();

export const N_COLORS = 256;
/** Index meaning "no colour" (NaN value or empty domain with no data). */
export const NO_COLOR = -1;

/** CSS strings for each LUT entry, precomputed once so re-colouring allocates nothing. */
export const CSS = Array.from({ length: 256 }, (_, i) => {
  const r = LUT[3 * i], g = LUT[3 * i + 1], b = LUT[3 * i + 2];
  return `rgb(${r}, ${g}, ${b})`;
});

function srgbToLinear(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of an 8-bit sRGB colour. */
export function relativeLuminance(r, g, b) {
  return 0.2126 * srgbToLinear(r) + 0.7152 * srgbToLinear(g) + 0.0722 * srgbToLinear(b);
}

/**
 * Black or white, whichever has the higher WCAG contrast ratio against the background.
 * Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05).
 */
export function textColorFor(r, g, b) {
  const L = relativeLuminance(r, g, b);
  return (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? "#000" : "#fff";
}

export const TEXT_CSS = Array.from({ length: 256 }, (_, i) =>
  textColorFor(LUT[3 * i], LUT[3 * i + 1], LUT[3 * i + 2]),
);

/**
 * Position of v in the domain [lo, hi] as t in [0, 1] (clamped).
 * NaN value or NaN bound -> NaN. Degenerate domain (hi == lo, e.g. one eligible unit or all
 * values equal) -> 0.5 so every unit gets the middle colour rather than a division by zero.
 * Works for negative values too (plain linear map).
 */
export function scale01(v, lo, hi) {
  if (Number.isNaN(v) || Number.isNaN(lo) || Number.isNaN(hi)) return NaN;
  if (!(hi > lo)) return 0.5;
  if (v === Infinity) return 1;
  if (v === -Infinity) return 0;
  const t = (v - lo) / (hi - lo);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/** LUT index of t in [0, 1] (matplotlib's rule), NO_COLOR for NaN. */
export function colorIndex(t) {
  if (Number.isNaN(t)) return NO_COLOR;
  const i = Math.floor(t * 256);
  return i < 0 ? 0 : i > 255 ? 255 : i;
}

/** Colour indices for all values at once, into an Int16Array (NO_COLOR for NaN). */
export function colorIndices(values, lo, hi, out = new Int16Array(values.length)) {
  for (let i = 0; i < values.length; i++) out[i] = colorIndex(scale01(values[i], lo, hi));
  return out;
}

/** CSS linear-gradient of the scale (for the legend), with n stops. */
export function gradientCss(n = 17, direction = "to right") {
  const stops = [];
  for (let k = 0; k < n; k++) {
    const t = k / (n - 1);
    stops.push(`${CSS[colorIndex(t)]} ${(t * 100).toFixed(1)}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
}
