// Keys pressed inside the view stay in the view. Jupyter (JupyterLab 4, Notebook 7) matches its
// command shortcuts on the document as a keydown bubbles up and prevents the default action of
// those it runs: the slider's arrow keys would select another cell, the text's arrows too, and
// digits typed in the quantile box are command-mode shortcuts ("0 0" restarts the kernel).
// Stopping a keydown here, before it reaches the document, leaves the control's own action to
// the browser and does nothing to keys pressed anywhere else.
//
// Escape is the way out: a press closes what is open in the view (the tooltip); a press with
// nothing to close takes the focus out of the view (leave), so that a keyboard user is not held
// by its tab stops and the notebook's own keys work again.

/**
 * Whether a keydown inside the view goes on to the page: combinations with Ctrl, Alt or Meta
 * (save, the command palette...), Shift+Enter (run the cell) and an Escape the view has no use
 * for (unhandledEscape: nothing for it to close). Pure, unit-tested.
 */
export function reachesHost(ev, unhandledEscape) {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return true;
  if (ev.key === "Enter" && ev.shiftKey) return true;
  return ev.key === "Escape" && unhandledEscape;
}

/**
 * Where the focus goes when it leaves the view in `root`: the nearest element around the view
 * that can hold the focus (a tabindex, as a notebook's cell has: focused, the notebook is in
 * command mode on that cell), else the view's root itself (tabindex -1: out of the tab order;
 * its keys reach the page). Elements are read through `tabIndex`/`hasAttribute` only, so a
 * stand-in tree serves in unit tests.
 */
export function exitTarget(root) {
  for (let el = root.parentElement; el; el = el.parentElement) {
    if (el.hasAttribute("tabindex")) return el;
  }
  return root;
}

/** Move the focus out of the view in `root` (exitTarget), without scrolling. */
export function leave(root) {
  const target = exitTarget(root);
  if (target === root && !root.hasAttribute("tabindex")) root.tabIndex = -1;
  target.focus({ preventScroll: true });
}

/**
 * Keep the keys of the view in `root` inside it. onEscape(): closes what Escape closes inside
 * the view and returns whether there was anything to close; when there was not, the focus leaves
 * the view. A key pressed on the root itself (focused on the way out) is the page's.
 */
export function keepKeys(scope, root, onEscape) {
  scope.listen(root, "keydown", (ev) => {
    if (ev.target === root) return;
    const escape = ev.key === "Escape" && !ev.ctrlKey && !ev.altKey && !ev.metaKey;
    const handled = escape && onEscape();
    if (escape && !handled) leave(root);
    if (!reachesHost(ev, !handled)) ev.stopPropagation();
  });
}
