import { ApiError } from './api.ts';
import { type Child, field, h, show, uid } from './dom.ts';

/** The page's main heading; focused after a page renders, so a screen reader announces where it is. */
export function heading(text: string, ...rest: Child[]): HTMLHeadingElement {
  return h('h1', { tabindex: -1 }, text, ...rest);
}

let quiet: ReturnType<typeof setTimeout> | undefined;
/** A short message in the live region (announced, not focused), gone after a few seconds. */
export function announce(text: string): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = '';
  if (quiet !== undefined) clearTimeout(quiet);
  // A fresh text node each time: the same message twice is announced twice.
  setTimeout(() => {
    status.textContent = text;
  }, 30);
  quiet = setTimeout(() => {
    status.textContent = '';
  }, 6000);
}

/** What went wrong with a call, for a person: the message and each problem by its path. */
export function errorCard(error: unknown, title = 'Not done'): HTMLDivElement {
  const message = error instanceof Error ? error.message : String(error);
  const problems = error instanceof ApiError ? error.problems : [];
  return h(
    'div',
    { class: 'card problems', role: 'alert' },
    h('h2', null, title),
    h('p', null, message),
    problems.length > 0
      ? h(
          'ul',
          null,
          problems.map((p) => h('li', null, h('code', null, p.path), ': ', p.message)),
        )
      : null,
  );
}

export interface DialogField {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'date' | 'datetime-local' | 'textarea' | 'select' | 'checkboxes';
  readOnly?: boolean;
  required?: boolean;
  value?: string;
  hint?: string;
  maxLength?: number;
  options?: readonly (readonly [string, string])[];
}

/**
 * A small modal form (keyboard: focus moves in, Escape cancels, focus returns): `fields` and,
 * always last, a required reason. `submit` runs the action; its refusal is shown in the dialog,
 * which stays open so nothing typed is lost. Resolves true when the action succeeded.
 */
export function actionDialog(options: {
  title: string;
  description?: string;
  fields?: DialogField[];
  submitLabel: string;
  reason?: { label?: string; hint?: string; required?: boolean } | false;
  submit: (values: Record<string, string>) => Promise<void>;
}): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const fields: DialogField[] = [...(options.fields ?? [])];
  if (options.reason !== false)
    fields.push({
      name: 'reason',
      label: options.reason?.label ?? 'Reason',
      type: 'textarea',
      required: options.reason?.required ?? true,
      maxLength: 1000,
      hint: options.reason?.hint ?? 'Recorded in the trail with your name.',
    });
  const titleId = uid('dialog-title');
  const errors = h('div', { class: 'dialog-errors' });
  const controls = fields.map((f) => {
    if (f.type === 'checkboxes') return checkboxes(f);
    const attrs = {
      name: f.name,
      required: f.required ?? false,
      readonly: f.readOnly ?? false,
      ...(f.maxLength ? { maxlength: f.maxLength } : {}),
    };
    const control =
      f.type === 'textarea'
        ? h('textarea', { ...attrs, rows: 3 })
        : f.type === 'select'
          ? h(
              'select',
              attrs,
              (f.options ?? []).map(([value, label]) =>
                h('option', { value, selected: value === f.value }, label),
              ),
            )
          : h('input', { ...attrs, type: f.type ?? 'text', autocomplete: 'off' });
    if (f.value !== undefined) control.value = f.value;
    return field(f.label, control, f.hint);
  });
  const submitButton = h('button', { type: 'submit' }, options.submitLabel);
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: titleId }, options.title),
    options.description ? h('p', null, options.description) : null,
    controls,
    errors,
    h(
      'div',
      { class: 'actions' },
      submitButton,
      h(
        'button',
        { type: 'button', class: 'secondary', value: 'cancel', onclick: () => dialog.close('cancel') },
        'Cancel',
      ),
    ),
  );
  const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let succeeded = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const values: Record<string, string> = {};
      // Several checked boxes of one name come back as one comma-separated value.
      for (const [key, value] of new FormData(form))
        values[key] =
          values[key] === undefined ? String(value).trim() : `${values[key]},${String(value).trim()}`;
      submitButton.disabled = true;
      show(errors);
      try {
        await options.submit(values);
        succeeded = true;
        dialog.close('done');
      } catch (error) {
        show(errors, errorCard(error));
      } finally {
        submitButton.disabled = false;
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(succeeded);
    });
    dialog.showModal();
  });
}

/** A group of checkboxes under a legend (one label per box). */
function checkboxes(f: DialogField): HTMLFieldSetElement {
  const chosen = new Set((f.value ?? '').split(',').filter(Boolean));
  return h(
    'fieldset',
    { class: 'checks' },
    h('legend', null, f.label),
    (f.options ?? []).map(([value, label]) => {
      const id = uid('check');
      return h(
        'div',
        { class: 'check' },
        h('input', { type: 'checkbox', id, name: f.name, value, checked: chosen.has(value) }),
        h('label', { for: id }, label),
      );
    }),
  );
}

let flash: string | undefined;
/** A message for the next page (e.g. "Published v2" after the editor hands over to the process page). */
export function flashNext(text: string): void {
  flash = text;
}
export function takeFlash(): string | undefined {
  const text = flash;
  flash = undefined;
  return text;
}

let leaveGuard: (() => string | undefined) | undefined;
/** What leaving the page would lose (unsaved text), asked before the console navigates away. */
export function guardLeaving(guard: (() => string | undefined) | undefined): void {
  leaveGuard = guard;
}
export function leavingLoses(): string | undefined {
  return leaveGuard?.();
}

/**
 * Previous and next for a listing the API pages with cursors: `earlier` holds the cursors of the
 * pages before this one; `go` shows the page a cursor names ('' for the first).
 */
export function pager(options: {
  cursor: string;
  next: string | undefined;
  earlier: string[];
  go: (cursor: string) => void;
}): HTMLElement {
  const { cursor, next, earlier, go } = options;
  return h(
    'nav',
    { class: 'actions paging', 'aria-label': 'Pages' },
    earlier.length > 0 || cursor
      ? h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => go(earlier.pop() ?? '') },
          'Previous page',
        )
      : null,
    next
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              earlier.push(cursor);
              go(next);
            },
          },
          'Next page',
        )
      : null,
  );
}
