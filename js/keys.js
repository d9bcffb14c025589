// Keys pressed inside the view stay in the view. Jupyter (JupyterLab 4, Notebook 7) matches its
// command shortcuts on the document as a keydown bubbles up and prevents the default action of
// those it runs: the slider's arrow keys would select another cell, the text's arrows too, and
// digits typed in the quantile box are command-mode shortcuts ("0 0" restarts the kernel).
// Stopping a keydown here, before it reaches the document, leaves the control's own action to
// the browser and does nothing to keys pressed anywhere else.

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
 * Keep the keys of the view in `root` inside it. onEscape(): closes what Escape closes inside
 * the view and returns whether there was anything to close.
 */
export function keepKeys(scope, root, onEscape) {
  scope.listen(root, "keydown", (ev) => {
    const handled = ev.key === "Escape" && !ev.ctrlKey && !ev.altKey && !ev.metaKey && onEscape();
    if (!reachesHost(ev, !handled)) ev.stopPropagation();
  });
}
