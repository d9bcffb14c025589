// DOM building blocks shared by every part of the view. Text only ever goes in through
// textContent (or createTextNode), never innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";

/** A new element: tag, optional className and text. */
export function h(doc, tag, cls, text) {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A new SVG element with its attributes. */
export function svgEl(doc, tag, attrs) {
  const e = doc.createElementNS(SVG_NS, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}

/**
 * What one view has hooked into its page: listeners, observers and timers, all undone by
 * close(), so that a view leaves nothing behind.
 */
export class Scope {
  constructor(win) {
    this.win = win;
    this.timers = new Set();
    this.cleanups = [];
  }

  /** addEventListener, removed on close. */
  listen(target, type, fn, opts) {
    target.addEventListener(type, fn, opts);
    this.cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  /** Run `cleanup` on close. */
  add(cleanup) {
    this.cleanups.push(cleanup);
  }

  /** setTimeout, cleared on close. */
  later(fn, ms) {
    const t = this.win.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  close() {
    for (const c of this.cleanups.splice(0)) c();
    for (const t of this.timers) this.win.clearTimeout(t);
    this.timers.clear();
  }
}
