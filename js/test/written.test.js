import assert from "node:assert/strict";
import { test } from "node:test";
import { textElements } from "../elements.js";
import { layoutSpans } from "../spans.js";
import { wordMembers } from "../stats.js";
import {
  chatRoleOf,
  markWritten,
  readWritten,
  roleStats,
  stepsOf,
  writerScores,
  writtenLabel,
  writtenUnits,
} from "../written.js";

// a DataView that is a window into a larger buffer, as hosts deliver bytes traits
function windowed(bytes, pad = 3) {
  const buf = new ArrayBuffer(pad + bytes.length + 5);
  new Uint8Array(buf, pad, bytes.length).set(bytes);
  return new DataView(buf, pad, bytes.length);
}

const u16 = (xs) => new Uint8Array(Uint16Array.from(xs).buffer); // little-endian here

test("readWritten: the columns as Python sends them, unaligned windows too", () => {
  const traits = {
    generated: windowed(Uint8Array.of(0, 0, 1, 1)),
    chat_roles: windowed(u16([0, 1, 2, 2])),
    chat_role_names: ["template", "user", "assistant"],
    finish_reason: "eos",
  };
  const w = readWritten((n) => traits[n], 4);
  assert.deepEqual(Array.from(w.generated), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(w.chatRoles), [0, 1, 2, 2]);
  assert.deepEqual(w.chatRoleNames, ["template", "user", "assistant"]);
  assert.equal(w.finishReason, "eos");
});

test("readWritten: a text analysed, or columns of another length, have none", () => {
  const none = readWritten((n) => ({ generated: windowed(new Uint8Array(0)) })[n], 3);
  assert.deepEqual(none, { generated: null, chatRoles: null, chatRoleNames: [], finishReason: "" });
  const bad = { generated: windowed(Uint8Array.of(1, 1)), chat_roles: windowed(u16([0])) };
  const w = readWritten((n) => ({ ...bad, chat_role_names: ["user"] })[n], 3);
  assert.equal(w.generated, null);
  assert.equal(w.chatRoles, null);
});

test("writtenUnits: tokens as they are, a word when any of its tokens was written", () => {
  const data = { generated: Uint8Array.of(0, 0, 1, 1, 1) };
  assert.deepEqual(writtenUnits(data, { kind: "token", count: 5 }), data.generated);
  // words: [0], [1, 2] (the prompt's last word completed by the model), [3, 4]
  const members = wordMembers(Int32Array.of(0, 1, 1, 2, 2), 3);
  assert.deepEqual(Array.from(writtenUnits(data, { kind: "word", count: 3, members })), [0, 1, 1]);
  assert.equal(writtenUnits({ generated: Uint8Array.of(0, 0) }, { kind: "token", count: 2 }), null);
  assert.equal(writtenUnits({ generated: null }, { kind: "token", count: 2 }), null);
});

test("markWritten: the elements showing a written unit get afn-gen, a cluster by any member", () => {
  // "ab cd" with a pill after; units: ab, c, cd (one cluster), pill
  const U = { count: 4, ranges: [[0, 2], [3, 4], [3, 5], null], special: Uint8Array.of(0, 0, 0, 0) };
  const els = textElements(layoutSpans("ab cd", U.ranges, U.special), U);
  const before = [...els.base];
  markWritten(els, Uint8Array.of(0, 0, 1, 1));
  assert.deepEqual(els.base, [before[0], `${before[1]} afn-gen`, `${before[2]} afn-gen`]);
  const again = textElements(layoutSpans("ab cd", U.ranges, U.special), U);
  markWritten(again, null);
  assert.deepEqual(again.base, before);
});

test("steps: counted from the first token written, the prompt's left out", () => {
  const g = Uint8Array.of(0, 0, 0, 1, 1, 1);
  assert.deepEqual(stepsOf(g, [0, 3, 5]), [1, 3]);
  assert.equal(writtenLabel(g, [4]), "written by the model, step 2");
  assert.equal(writtenLabel(g, [2, 3, 4]), "written by the model, steps 1–2");
  assert.equal(writtenLabel(g, [0, 1]), "");
  assert.equal(writtenLabel(null, [0]), "");
});

test("chatRoleOf: the roles of a unit's tokens, each once", () => {
  const data = { chatRoles: Uint16Array.of(0, 1, 1, 2), chatRoleNames: ["template", "user", "assistant"] };
  assert.equal(chatRoleOf(data, [1, 2]), "user");
  assert.equal(chatRoleOf(data, [2, 3]), "user, assistant");
  assert.equal(chatRoleOf({ chatRoles: null }, [0]), "");
});

test("roleStats: each role's token count and mean at the layer, over the tokens with a value", () => {
  const nTokens = 5;
  const matrix = Float32Array.of(
    ...[1, 2, 3, 4, 5], // layer 0
    ...[NaN, 10, 20, 30, 41], // layer 1
  );
  const data = { nTokens, chatRoles: Uint16Array.of(0, 1, 1, 2, 2), chatRoleNames: ["template", "user", "assistant", "tool"] };
  const at1 = roleStats(data, matrix, 1);
  // independent: by hand
  assert.deepEqual(at1.map((r) => r.role), ["template", "user", "assistant"]); // tool: no tokens
  assert.deepEqual(at1.map((r) => r.tokens), [1, 2, 2]);
  assert.ok(Number.isNaN(at1[0].mean));
  assert.equal(at1[1].mean, 15);
  assert.equal(at1[2].mean, 35.5);
  assert.deepEqual(roleStats(data, matrix, 0).map((r) => r.mean), [1, 2.5, 4.5]);
  assert.deepEqual(roleStats({ ...data, chatRoles: null }, matrix, 0), []);
});

test("writerScores: the LM head's scores not shown, a word's as the view aggregates it", () => {
  const nTokens = 3;
  const lp = Float32Array.of(NaN, -1.5, -2.25, NaN, -1.5, -2.25); // two layers, the same row
  const ent = Float32Array.of(NaN, 0.5, 3, NaN, 0.5, 3);
  const data = { nTokens, scores: new Map([["tas", new Float32Array(6)], ["logprob", lp], ["entropy", ent]]) };
  assert.deepEqual(writerScores(data, [1, 2], 1, "mean", "tas"), [
    ["logprob", Math.fround((-1.5 - 2.25) / 2)],
    ["entropy", Math.fround((0.5 + 3) / 2)],
  ]);
  assert.deepEqual(writerScores(data, [1, 2], 0, "max", "logprob"), [["entropy", 3]]);
  const [[, first]] = writerScores(data, [0], 0, "mean", "entropy");
  assert.ok(Number.isNaN(first)); // the first token has none
  assert.deepEqual(writerScores({ nTokens, scores: new Map([["tas", lp]]) }, [1], 0, "mean", "tas"), []);
});
