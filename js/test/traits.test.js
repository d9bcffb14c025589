import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROL_TRAITS, DATA_TRAITS, STATUS_TRAITS } from "../traits.js";
import { HEADER_TRAITS, WORD_AGG } from "../widget.js";

const GROUPS = { DATA_TRAITS, CONTROL_TRAITS, STATUS_TRAITS };

test("trait groups: strings, each trait in one group only", () => {
  const all = [];
  for (const [name, group] of Object.entries(GROUPS)) {
    assert.ok(Array.isArray(group) && group.length > 0, name);
    for (const t of group) assert.equal(typeof t, "string", `${name}: ${t}`);
    all.push(...group);
  }
  assert.equal(new Set(all).size, all.length, "a trait is in two groups, or twice in one");
  assert.ok(DATA_TRAITS.includes("text"), "text is read here, never written");
});

test("the data traits the view takes without a rebuild are data traits", () => {
  for (const t of [...HEADER_TRAITS, WORD_AGG]) assert.ok(DATA_TRAITS.includes(t), t);
});
