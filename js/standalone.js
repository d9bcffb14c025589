// Standalone HTML entry (bundled as an IIFE with global name AFN): the same view as the
// widget, driven by an in-page model built from a state object. No kernel behind it: the top
// hidden dims are shown only when the state embeds them.
import { createStaticModel } from "./static_model.js";
import { connect } from "./widget.js";

/** Render a static, fully interactive view of `state` into `el`; returns the cleanup. */
export function mount(el, state) {
  return connect(createStaticModel(state), el);
}
