import type { ProcessDefinition } from '../../../domain/definition.ts';
import type { DryRunGate, DryRunResult } from '../../../domain/dry-run.ts';
import type { FieldSpec } from '../../../domain/fields.ts';
import { api } from '../api.ts';
import { debounce, field, h, select, show, when } from '../dom.ts';
import { errorCard } from '../ui.ts';

/**
 * The live dry run beside the editor: a sample proposal (sponsor, requester, the definition's own
 * intake fields) and what the definition being edited would do with it, asked of the API
 * (`POST /definitions/dry-run`, which reads the approvers' out-of-office) as either changes.
 */
export function dryRunPanel() {
  let definition: ProcessDefinition | undefined;
  let fieldsShape = '';
  let asked = 0;
  const values = new Map<string, string>();
  const sponsor = h('input', { type: 'email', name: 'sponsorEmail', autocomplete: 'off', maxlength: 254 });
  const requester = h('input', {
    type: 'email',
    name: 'requesterEmail',
    autocomplete: 'off',
    maxlength: 254,
  });
  const startAt = h('input', { type: 'datetime-local', name: 'startAt' });
  const intake = h('div', { class: 'intake-fields' });
  const result = h('div', { class: 'dry-run-result', 'aria-live': 'polite', id: 'dry-run-result' });
  const form = h(
    'form',
    { class: 'dry-run-form', novalidate: true },
    field('Sponsor e-mail', sponsor, 'The project’s sponsor: who “role: sponsor” asks.'),
    field(
      'Requester e-mail (optional)',
      requester,
      'Checks separation of duties: no one approves their own project.',
    ),
    intake,
    field('Gates open at (optional, UTC)', startAt, 'Default: now. Reminders and deadlines count from here.'),
  );
  form.addEventListener('submit', (event) => event.preventDefault());
  const runSoon = debounce(400, () => void run());
  form.addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement | HTMLSelectElement;
    if (target.dataset.field) values.set(target.dataset.field, target.value);
    runSoon();
  });
  form.addEventListener('change', runSoon);

  /** One control per intake field, by its type; values typed so far are kept when the fields change. */
  const renderIntake = (specs: readonly FieldSpec[]) => {
    show(
      intake,
      specs.map((spec) => {
        const label = `${spec.label}${spec.required ? '' : ' (optional)'}`;
        const common = { name: `field-${spec.id}`, 'data-field': spec.id, required: spec.required };
        const value = values.get(spec.id) ?? '';
        switch (spec.type) {
          case 'number':
            return field(
              label,
              h('input', { ...common, type: 'number', step: 'any', min: spec.min, max: spec.max, value }),
            );
          case 'text':
            return field(
              label,
              h('input', { ...common, type: 'text', maxlength: spec.maxLength ?? 500, value }),
            );
          case 'date':
            return field(label, h('input', { ...common, type: 'date', value }));
          default:
            return field(
              label,
              select(
                common,
                [['', spec.required ? 'Choose…' : '(none)'], ...spec.choices.map((c) => [c, c] as const)],
                value,
              ),
            );
        }
      }),
    );
  };

  const proposalFields = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const spec of definition?.intake.fields ?? []) {
      const value = values.get(spec.id)?.trim() ?? '';
      if (value === '') continue;
      out[spec.id] = spec.type === 'number' ? Number(value) : value;
    }
    return out;
  };

  const run = async () => {
    const ticket = ++asked;
    if (!definition) {
      show(result, h('p', { class: 'muted' }, 'Fix the problems in the definition to see a dry run.'));
      return;
    }
    if (sponsor.value.trim() === '') {
      show(result, h('p', { class: 'muted' }, 'Enter a sponsor’s e-mail to see who would be asked.'));
      return;
    }
    const start = startAt.value ? new Date(`${startAt.value}:00Z`) : undefined;
    try {
      const answer = await api<DryRunResult>('POST', '/definitions/dry-run', {
        definition,
        proposal: {
          sponsorEmail: sponsor.value.trim(),
          ...(requester.value.trim() ? { requesterEmail: requester.value.trim() } : {}),
          fields: proposalFields(),
        },
        ...(start && !Number.isNaN(start.getTime()) ? { startAt: start.toISOString() } : {}),
      });
      if (ticket !== asked) return; // a later run is on its way
      show(result, answer.ok ? outcome(answer) : problemsOf(answer.problems));
    } catch (error) {
      if (ticket === asked) show(result, errorCard(error, 'The dry run was refused'));
    }
  };

  const root = h(
    'section',
    { class: 'card dry-run', 'aria-labelledby': 'dry-run-heading' },
    h('h2', { id: 'dry-run-heading' }, 'Dry run'),
    h(
      'p',
      { class: 'muted' },
      'A sample proposal, and what this definition (as typed, once valid) would do with it. Nothing is saved or sent.',
    ),
    form,
    result,
  );
  return {
    root,
    /** The definition as typed, when valid (undefined while it has problems). */
    update(next: ProcessDefinition | undefined) {
      definition = next;
      if (next) {
        const shape = JSON.stringify(next.intake.fields);
        if (shape !== fieldsShape) {
          fieldsShape = shape;
          renderIntake(next.intake.fields);
        }
      }
      runSoon();
    },
  };
}

function problemsOf(problems: { path: string; message: string }[]): HTMLElement {
  return h(
    'div',
    { class: 'card problems' },
    h('h3', null, 'The sample proposal does not fit'),
    h(
      'ul',
      null,
      problems.map((p) => h('li', null, h('code', null, p.path), ': ', p.message)),
    ),
  );
}

function outcome(result: Extract<DryRunResult, { ok: true }>): HTMLElement {
  return h(
    'div',
    null,
    h('ol', { class: 'gates' }, result.gates.map(gateItem)),
    h(
      'div',
      { class: 'gate' },
      h('h3', null, 'Close-out'),
      h('p', null, `The sponsor signs off within ${result.closeOut.decideWithinHours} hours, confirming:`),
      h(
        'ul',
        null,
        result.closeOut.checklist.map((c) => h('li', null, c)),
      ),
    ),
    result.notes.length > 0
      ? h(
          'ul',
          { class: 'notes' },
          result.notes.map((n) => h('li', null, n)),
        )
      : null,
  );
}

function gateItem(gate: DryRunGate): HTMLElement {
  const title = `Gate ${gate.position}: ${gate.name}`;
  if (gate.outcome === 'skipped')
    return h(
      'li',
      { class: 'gate skipped', 'data-gate': gate.gateId, 'data-outcome': 'skipped' },
      h('h3', null, title, ' ', h('span', { class: 'tag' }, 'skipped')),
      h('p', null, 'Skipped: its rule holds for this proposal: ', h('code', null, gate.skipRule ?? '')),
    );
  return h(
    'li',
    { class: 'gate opens', 'data-gate': gate.gateId, 'data-outcome': 'opens' },
    h('h3', null, title, ' ', h('span', { class: 'tag' }, 'opens')),
    h(
      'p',
      null,
      gate.opens === 'immediately'
        ? 'Opens straight after the previous step.'
        : 'Opens when its deliverables are submitted.',
      gate.skipRule ? [' Its skip rule does not hold: ', h('code', null, gate.skipRule), '.'] : '',
    ),
    h(
      'dl',
      null,
      h('dt', null, 'Asked'),
      h(
        'dd',
        null,
        h(
          'ul',
          { class: 'approvers' },
          (gate.approvers ?? []).map((a) =>
            h(
              'li',
              null,
              a.name ? `${a.name} <${a.email}>` : a.email,
              a.asked !== a.email ? ` → ${a.asked}` : '',
              a.because ? h('span', { class: 'muted' }, ` (${a.because})`) : '',
            ),
          ),
        ),
      ),
      h('dt', null, 'Rule'),
      h('dd', null, gate.rule ?? ''),
      h('dt', null, 'E-signature'),
      h('dd', null, gate.esignature ? 'yes: password and authenticator code' : 'no'),
      gate.deliverables && gate.deliverables.length > 0
        ? [h('dt', null, 'Deliverables'), h('dd', null, gate.deliverables.join(', '))]
        : null,
      h('dt', null, 'Timeline'),
      h(
        'dd',
        null,
        h(
          'ul',
          { class: 'timeline' },
          (gate.timeline ?? []).map((t) =>
            h(
              'li',
              { 'data-what': t.what },
              h('strong', null, `+${t.offsetHours} h`),
              ` ${when(t.at)} — ${timelineText(t)}`,
            ),
          ),
        ),
      ),
    ),
  );
}

/** "Reminder 1 to the approvers…", "Escalation: … is told…", "Deadline: the system decides Hold". */
function timelineText(entry: { what: string; detail: string }): string {
  const capital = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  return entry.detail.startsWith(entry.what)
    ? capital(entry.detail)
    : `${capital(entry.what)}: ${entry.detail}`;
}
