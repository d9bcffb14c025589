// The role legend and filter: a button per role (content, function, punctuation, special) with
// its count among the units shown; a role switched off is dimmed in the text.
import { h } from "../dom.js";
import { ROLES } from "../elements.js";

const ROLE_TITLE = {
  content: "content words: nouns, verbs, adjectives, adverbs, numbers, proper nouns",
  function: "function words: determiners, pronouns, prepositions, auxiliaries, conjunctions, particles",
  punctuation: "punctuation and symbols",
  special: "the tokenizer's special tokens ([CLS], <s>, BOS, ...)",
};

export class RoleFilter {
  /** root: the view's root element, which carries an afn-dim-ROLE class per role switched off. */
  constructor(doc, scope, root) {
    this.root = root;
    this.el = h(doc, "div", "afn-roles");
    this.el.setAttribute("role", "group");
    this.el.setAttribute("aria-label", "roles shown");
    this.buttons = {};
    this.counts = {};
    for (const r of ROLES) {
      const b = h(doc, "button", `afn-role-btn afn-role-${r}`);
      b.type = "button";
      b.dataset.role = r;
      b.setAttribute("aria-pressed", "true");
      b.title = `${ROLE_TITLE[r]}; click to dim or show them`;
      b.append(h(doc, "span", "afn-role-name", r));
      this.counts[r] = h(doc, "span", "afn-role-count", "");
      b.append(this.counts[r]);
      this.buttons[r] = b;
      this.el.appendChild(b);
    }
    scope.listen(this.el, "click", (ev) => {
      const b = ev.target.closest && ev.target.closest(".afn-role-btn");
      if (b) this.toggle(b.dataset.role);
    });
  }

  /** Switch a role's units on or off (dimmed). */
  toggle(role) {
    const b = this.buttons[role];
    if (!b) return;
    const on = b.getAttribute("aria-pressed") !== "true";
    b.setAttribute("aria-pressed", String(on));
    this.root.classList.toggle(`afn-dim-${role}`, !on);
  }

  /** The roles switched on. */
  shown() {
    return ROLES.filter((r) => this.buttons[r].getAttribute("aria-pressed") === "true");
  }

  /** The count of each role among the units (unitsOf); specials only while shown. */
  paint(units, showSpecial) {
    const n = Object.fromEntries(ROLES.map((r) => [r, 0]));
    if (units) for (let u = 0; u < units.count; u++) if (n[units.roles[u]] !== undefined) n[units.roles[u]]++;
    for (const r of ROLES) this.counts[r].textContent = units ? String(n[r]) : "";
    this.buttons.special.hidden = !showSpecial;
  }
}
