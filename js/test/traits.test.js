import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTROLS, DEFAULT_SETTINGS } from "../controls.js";
import { CONTROL_TRAITS, DATA_TRAITS, STATUS_TRAITS } from "../traits.js";
import { HEADER_TRAITS } from "../connect.js";

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

test("the view has a setting for every control trait", () => {
  assert.deepEqual(Object.keys(CONTROLS).sort(), [...CONTROL_TRAITS].sort());
  assert.deepEqual(Object.keys(DEFAULT_SETTINGS).sort(), Object.keys(CONTROLS).sort());
  for (const [name, c] of Object.entries(CONTROLS)) {
    assert.equal(typeof c.parse, "function", name);
    assert.equal(typeof c.apply, "function", name);
    assert.equal(c.parse(DEFAULT_SETTINGS[name]), DEFAULT_SETTINGS[name], `default ${name} parses`);
  }
});

test("the data traits the view takes without a rebuild are data traits", () => {
  for (const t of HEADER_TRAITS) assert.ok(DATA_TRAITS.includes(t), t);
});
