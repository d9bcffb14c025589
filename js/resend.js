// Data whose bytes a host lost on the way. Jupyter sends a widget's bytes traits as binary buffers
// beside the JSON state; a host that drops the buffers of the message creating a model (Colab's
// widget manager does, for comm_open) leaves those traits with no value at all. A view that finds
// its data so asks the kernel, once, to send them again: they come back in an update, whose
// buffers every host passes on. Pure check (unit-tested) and the one request.

/** The request's kind; Python answers it with the data traits (widget.py, compare.py). */
export const RESEND_KIND = "resend_data";

/**
 * The byte columns every analysis sends (afn_widget.payload), empty or not. The others are
 * optional, read as none when absent: top_dims/top_share (asked for token by token),
 * score_values (none without scores beyond TAS), generated/chat_roles (a text a decoder wrote).
 * A host drops all of a message's buffers or none, so these tell; the answer brings them all.
 */
export const DATA_BYTES = ["offsets", "roles", "word_of", "word_spans", "word_roles", "norms"];

/**
 * Whether the data read by `get` lost their bytes: they have tokens (n_tokens > 0) but one of
 * DATA_BYTES, or score_values while score_names names more than TAS, holds no value at all.
 * Python always sends bytes for these (an empty DataView at the least), so in a host that
 * passes buffers on this is never true; a wrong length is another fault, shown as an error.
 */
export function bytesLost(get) {
  const n = get("n_tokens");
  if (!Number.isInteger(n) || n <= 0) return false;
  if (DATA_BYTES.some((name) => get(name) == null)) return true;
  const names = get("score_names");
  return Array.isArray(names) && names.length > 1 && get("score_values") == null;
}

/** `send` wrapped to run once: the returned function sends the request the first time only. */
export function askOnce(send) {
  let asked = false;
  return () => {
    if (asked) return;
    asked = true;
    send({ kind: RESEND_KIND });
  };
}
