"""JavaScript evaluated in test pages, shared by the browser tests."""

# The text as drawn: gaps (text nodes) and spans, specials' pills left out. Argument: a CSS
# selector of the view's root.
REBUILD_JS = """(root) => {
  let s = '';
  for (const n of document.querySelector(root + ' .afn-text').childNodes) {
    if (n.nodeType === Node.TEXT_NODE) s += n.data;
    else if (!n.classList.contains('afn-pill')) s += n.textContent;
  }
  return s;
}"""

# A span's bucket as drawn (an arrow function over the element, to splice into page code):
# HIGH spans carry the class afn-high, LOW ones a colour class afn-c<N> only, ineligible
# (SPECIAL) ones neither.
BUCKET_JS = """((e) => e.classList.contains('afn-high') ? 'HIGH'
  : /(^| )afn-c[0-9]+( |$)/.test(e.className) ? 'LOW' : 'SPECIAL')"""
