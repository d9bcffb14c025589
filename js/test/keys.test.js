import assert from "node:assert/strict";
import { test } from "node:test";
import { reachesHost } from "../keys.js";

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, altKey: false, metaKey: false, shiftKey: false, ...mods });

test("keys: the view's own keys stay in it", () => {
  for (const k of ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End",
                   "Enter", " ", "Tab", "0", "a", "."])
    assert.equal(reachesHost(key(k), true), false, k);
  assert.equal(reachesHost(key("ArrowUp", { shiftKey: true }), true), false);
  assert.equal(reachesHost(key("Tab", { shiftKey: true }), true), false);
});

test("keys: combinations, Shift+Enter and an Escape the view has no use for reach the page", () => {
  for (const mods of [{ ctrlKey: true }, { altKey: true }, { metaKey: true }])
    assert.equal(reachesHost(key("s", mods), true), true, JSON.stringify(mods));
  assert.equal(reachesHost(key("Enter", { shiftKey: true }), false), true);
  assert.equal(reachesHost(key("Escape"), true), true);
  assert.equal(reachesHost(key("Escape"), false), false); // it closed the tooltip
});
