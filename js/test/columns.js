// The data traits as Python sends them (afn_widget.payload): binary columns, built for the
// tests from a readable description. A helper, not a test file.
import { ROLE_CODES } from "../registry.js";

/** int32 values -> little-endian bytes, as a DataView (what a bytes trait arrives as). */
export function int32(values) {
  const dv = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, i) => dv.setInt32(4 * i, v, true));
  return dv;
}

/** Roles -> their uint8 codes (their index in ROLE_CODES). */
export function roleCodes(roles) {
  return new DataView(Uint8Array.from(roles, (r) => ROLE_CODES.indexOf(r)).buffer);
}

const spans = (list) => int32(list.flatMap((s) => s || [-1, -1]));

/** payload.text_check: [UTF-16 length, the sum of the code units mod 2**31]. */
export function textCheckOf(text) {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum = (sum + text.charCodeAt(i)) % 2147483648;
  return [text.length, sum];
}

/**
 * The data traits of `text`: `tokens` as [token, [start, end] or null (a special), role, word]
 * and `words` as [[start, end] or null, role], spans in UTF-16 units.
 */
export function columns(text, tokens, words) {
  return {
    text,
    tokens: tokens.map((t) => t[0]),
    n_tokens: tokens.length,
    offsets: spans(tokens.map((t) => t[1])),
    roles: roleCodes(tokens.map((t) => t[2])),
    word_of: int32(tokens.map((t) => t[3])),
    word_spans: spans(words.map((w) => w[0])),
    word_roles: roleCodes(words.map((w) => w[1])),
    n_words: words.length,
    text_check: textCheckOf(text),
  };
}
