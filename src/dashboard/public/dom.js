/* global document */
/**
 * The only way the page creates elements. Text goes through textContent, never innerHTML: event fields
 * (URLs, messages, user ids) are user-controlled input and must render as text.
 * @param {string} tag
 * @param {{ class?: string, text?: string|number, testid?: string, title?: string, style?: Record<string,string> }} [attrs]
 * @param {Node[]} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  if (attrs.class) e.className = attrs.class;
  if (attrs.text !== undefined) e.textContent = String(attrs.text);
  if (attrs.testid) e.dataset.testid = attrs.testid;
  if (attrs.title) e.title = attrs.title;
  if (attrs.style) for (const [k, v] of Object.entries(attrs.style)) e.style.setProperty(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** Replaces a container's children. */
export function fill(container, children) {
  container.replaceChildren(...children);
}
