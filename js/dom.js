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
