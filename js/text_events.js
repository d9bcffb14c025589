// Pointer and keyboard on the text: hovering or focusing a token shows its tooltip, a click or
// Enter pins it, arrow keys / Home / End move the focus (one roving tab stop), Escape or a
// click outside the view unpins. A pinned tooltip follows its token as the page scrolls.

const STEP = new Map([
  ["ArrowRight", 1],
  ["ArrowDown", 1],
  ["ArrowLeft", -1],
  ["ArrowUp", -1],
]);

/** Wire the text `blocks` (TextBlocks) of the view in `root` to its tooltip `tip`. */
export function listenText(scope, root, blocks, tip) {
  const doc = root.ownerDocument;
  const box = blocks.el;
  const tokOf = (target) => blocks.tokenOf(target);
  // pinned on the token: unpinned (shown); else pinned on it
  const togglePin = (t) => tip.show(t, !(tip.pinned && tip.target === t));

  scope.listen(box, "mouseover", (ev) => {
    const t = tokOf(ev.target);
    if (t && !tip.pinned && t !== tip.target) tip.show(t);
  });
  scope.listen(box, "mouseout", (ev) => {
    const to = tokOf(ev.relatedTarget);
    if (!to && !tip.pinned && tip.target && doc.activeElement !== tip.target) tip.hide();
  });
  scope.listen(box, "focusin", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    blocks.setRoving(t);
    if (!tip.pinned) tip.show(t);
  });
  scope.listen(box, "focusout", (ev) => {
    if (!tokOf(ev.relatedTarget) && !tip.pinned) tip.hide();
  });
  scope.listen(box, "click", (ev) => {
    const t = tokOf(ev.target);
    if (t) togglePin(t);
  });
  scope.listen(box, "keydown", (ev) => {
    const t = tokOf(ev.target);
    if (!t) return;
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      togglePin(t);
      return;
    }
    const next = neighbour(blocks, blocks.indexOf(t), ev.key);
    if (next === undefined) return;
    ev.preventDefault();
    if (next) {
      const wasPinned = tip.pinned;
      blocks.setRoving(next);
      next.focus();
      if (wasPinned) tip.show(next, true);
    }
  });
  scope.listen(doc, "keydown", (ev) => {
    if (ev.key === "Escape" && tip.target) tip.hide(true);
  });
  // A click outside the view unpins; one on a scrollbar (scrolling the page) does not.
  scope.listen(doc, "pointerdown", (ev) => {
    if (tip.pinned && !root.contains(ev.target) && !onScrollbar(ev)) tip.hide(true);
  });
  scope.listen(
    doc,
    "scroll",
    () => {
      if (!tip.target) return;
      if (tip.pinned) tip.position();
      else tip.hide();
    },
    { capture: true, passive: true },
  );
}

// Where `key` moves the focus from element e: an element, null (nowhere to go) or undefined
// (not a key that moves it).
function neighbour(blocks, e, key) {
  if (STEP.has(key)) return blocks.step(e, STEP.get(key));
  if (key === "Home") return blocks.firstVisible();
  if (key === "End") return blocks.lastVisible();
  return undefined;
}

// Whether a pointerdown is on the scrollbar of the element it targets (outside its client area).
function onScrollbar(ev) {
  const t = ev.target;
  if (!t || typeof t.getBoundingClientRect !== "function") return false;
  const r = t.getBoundingClientRect();
  const x = ev.clientX - r.left - t.clientLeft;
  const y = ev.clientY - r.top - t.clientTop;
  return (t.scrollHeight > t.clientHeight && x >= t.clientWidth) || (t.scrollWidth > t.clientWidth && y >= t.clientHeight);
}
