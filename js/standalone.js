// Standalone HTML entry (bundled as an IIFE with global name AFN): the same view as the
// widget, driven by an in-page model built from a state object. No kernel behind it: the top
// hidden dims are shown only when the state embeds them.
import { connectCompare } from "./compare.js";
import { connect } from "./connect.js";
import { createStaticModel } from "./static_model.js";

/** Render a static, fully interactive view of `state` into `el`; returns the cleanup. */
export function mount(el, state) {
  const model = createStaticModel(state);
  // an AFNCompare's state holds its two analyses as pane_a and pane_b
  return state && state.pane_a !== undefined ? connectCompare(model, el) : connect(model, el);
}
