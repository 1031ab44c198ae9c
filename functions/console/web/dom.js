// A tiny element builder: h('button', {class: 'x', onclick: f}, 'text', child, …). Children may
// be strings, nodes, arrays or null (skipped). Text is always set as text, never as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'selected') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/// Replaces what `el` shows.
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const draws = new WeakMap();

/// Begins a draw of `el` from data still to load; the check it returns says whether that draw
/// is still the newest. A page reloaded after each change (a reply, then a note sent at once)
/// shows the reload that began last, not the one that finished last: an older one holds older
/// data and an older ETag, so a save from it would be refused.
export function beginDraw(el) {
  const draw = (draws.get(el) || 0) + 1;
  draws.set(el, draw);
  return () => draws.get(el) === draw;
}

/// A <select> of `options` ([value, label] pairs), `current` chosen.
export function select(attrs, options, current) {
  return h('select', attrs, options.map(([value, label]) => h('option', { value, selected: value === current }, label)));
}

/// Announces `text` to screen readers and shows it briefly.
export function announce(text, kind = 'info') {
  const status = document.getElementById('status');
  status.className = `status ${kind}`;
  status.textContent = text;
}

export function when(iso, locale) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
