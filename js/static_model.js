// An in-page stand-in for the anywidget model, for the standalone HTML export: the same
// get/set/on/off/save_changes/send interface over a plain state object, no kernel behind it.
// Binary traits arrive as {"$b64": "..."} and are decoded into DataViews, as anywidget would.

/** Decode {"$b64": "..."} values (at the top level and in arrays/objects) into DataViews. */
export function decodeState(state) {
  const out = {};
  for (const k of Object.keys(state || {})) out[k] = decodeValue(state[k]);
  return out;
}

function decodeValue(v) {
  if (v && typeof v === "object") {
    if (!Array.isArray(v) && typeof v.$b64 === "string" && Object.keys(v).length === 1) {
      return base64ToDataView(v.$b64);
    }
    if (Array.isArray(v)) return v.map(decodeValue);
    // a dict of traits (AFNCompare's panes), its bytes likewise
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x)]));
  }
  return v;
}

/** base64 -> DataView over a fresh ArrayBuffer. */
export function base64ToDataView(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new DataView(bytes.buffer);
}

/** A model with the anywidget interface over `state` (decoded on the way in). */
export function createStaticModel(state) {
  const data = decodeState(state);
  const listeners = new Map(); // event name -> Set of callbacks
  const model = {
    get(name) {
      return data[name];
    },
    set(name, value) {
      if (data[name] === value) return;
      data[name] = value;
      const set = listeners.get(`change:${name}`);
      if (set) for (const cb of [...set]) cb(model, value);
    },
    on(name, cb) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(cb);
    },
    off(name, cb) {
      if (!name) {
        listeners.clear();
        return;
      }
      const set = listeners.get(name);
      if (!set) return;
      if (cb) set.delete(cb);
      else set.clear();
    },
    save_changes() {},
    send() {},
  };
  return model;
}
