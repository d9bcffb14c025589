// anywidget entry: an AFNView's model is wired to its view (connect.js), an AFNCompare's to its
// two panes (compare.js). No logic of its own beyond choosing.
import { connectCompare } from "./compare.js";
import { connect } from "./connect.js";

function render({ model, el }) {
  // AFNCompare's model holds its two analyses as pane_a and pane_b
  if (model.get("pane_a") !== undefined) return connectCompare(model, el, { kernel: true });
  return connect(model, el, { kernel: true });
}

export default { render };
