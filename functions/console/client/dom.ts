/*
 * Building the page from data without ever parsing data as HTML: every element is made with
 * createElement, every text is a text node, every attribute is set one by one. Nothing here uses
 * innerHTML, so a name or a definition cannot become markup or script.
 */

export type Child = Node | string | number | false | null | undefined | Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;

/** An element with attributes (`onclick` and the like become listeners) and children (text is text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'value' && 'value' in element) {
      (element as HTMLInputElement).value = String(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let ids = 0;
/** A fresh element id, for a label's `for`. */
export function uid(prefix: string): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled control: the label names it (for=id), a hint below it is read with it. */
export function field(
  label: Child,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLDivElement {
  control.id ||= uid('f');
  const hintElement = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : undefined;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintElement);
}

/** A <select> with options [value, label]; `selected` is chosen. */
export function select(
  attrs: Attrs,
  options: readonly (readonly [string, string])[],
  selected?: string,
): HTMLSelectElement {
  const element = h('select', attrs);
  for (const [value, label] of options)
    element.append(h('option', { value, selected: value === selected }, label));
  return element;
}

/** A table with a caption and header cells naming each column (scope=col). */
export function table(caption: string, headings: string[], rows: Child[][]): HTMLTableElement {
  return h(
    'table',
    null,
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((cells) =>
        h(
          'tr',
          null,
          cells.map((c) => h('td', null, c)),
        ),
      ),
    ),
  );
}

/** Runs `action` once input has rested for `ms` (typing, then validation and the dry run). */
export function debounce<A extends unknown[]>(
  ms: number,
  action: (...args: A) => void,
): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => action(...args), ms);
  };
}

/** A date and time as people read it here, in UTC like the trail (no locale guessing). */
export function when(iso: unknown): string {
  if (typeof iso !== 'string' || iso === '') return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who did something, whether the API names them by a string or an actor object. */
export function who(actor: unknown): string {
  if (typeof actor === 'string') return actor;
  if (actor && typeof actor === 'object') {
    const a = actor as { name?: unknown; email?: unknown; id?: unknown };
    const name = typeof a.name === 'string' ? a.name : '';
    const email = typeof a.email === 'string' ? a.email : '';
    if (name && email && name !== email) return `${name} <${email}>`;
    return name || email || (typeof a.id === 'string' ? a.id : '');
  }
  return '';
}

/** Who saved a draft, from the API's stamp (`updatedBy` is the e-mail, `updatedByName` the name). */
export function savedBy(stamp: { updatedBy?: unknown; updatedByName?: unknown }): string {
  const email = typeof stamp.updatedBy === 'string' ? stamp.updatedBy : '';
  const name = typeof stamp.updatedByName === 'string' ? stamp.updatedByName : '';
  return name && email ? `${name} <${email}>` : name || email || who(stamp.updatedBy);
}
