// Building the page from data without innerHTML: text is always text.

/** h('button', {type: 'button', onclick}, 'Label', child...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'className') el.className = value;
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the view, keeping focus on the control of the same id when it survives the re-render. */
export function render(root, content, focusId) {
  const active = focusId ?? (document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : '');
  root.replaceChildren(...[content].flat());
  const target = active ? document.getElementById(active) : null;
  if (target) target.focus();
}

/** A heading that receives focus when a step begins, so screen readers and keyboards follow along. */
export const stepHeading = (id, text) => h('h2', { id, tabindex: '-1' }, text);

/** Polite announcements (the status region) and errors (an alert next to the form). */
export function announce(text) {
  const region = document.getElementById('status');
  region.textContent = '';
  // A fresh text node after clearing makes screen readers read a repeated message again.
  setTimeout(() => {
    region.textContent = text;
  }, 20);
}

export const errorBox = (text) => (text ? h('p', { id: 'error', className: 'error', role: 'alert' }, text) : null);

/** A label, its control and an optional hint tied to it with aria-describedby. */
export function field(id, label, control, hint) {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { className: 'field' }, h('label', { for: id }, label), hint ? h('p', { id: `${id}-hint`, className: 'hint' }, hint) : null, control);
}
