import type { PendingItem } from '../../../usecases/pending.ts';
import { api, query, seg } from '../api.ts';
import { type Child, field, h, select, show, table, when } from '../dom.ts';
import { actionDialog, announce, heading, pager } from '../ui.ts';

const STATUSES = [
  ['', 'Any'],
  ['in-review', 'In review (a gate is open)'],
  ['in-stage', 'In a stage'],
  ['on-hold', 'On hold'],
  ['closing', 'Closing'],
] as const;
const OVERDUE = [
  ['', 'Any'],
  ['true', 'Overdue only'],
  ['false', 'Not overdue'],
] as const;
const LIMITS = [
  ['10', '10'],
  ['25', '25'],
  ['50', '50'],
] as const;

/** Cursors of the pages before this one, for "Previous page" (the API's cursors only go forward). */
const earlier: string[] = [];

/** What is pending, with whom and for how long; each review in flight can be acted on, with a reason. */
export async function pendingPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const filters = {
    approver: params.get('approver') ?? '',
    gate: params.get('gate') ?? '',
    overdue: params.get('overdue') ?? '',
    status: params.get('status') ?? '',
    limit: params.get('limit') ?? '25',
  };
  const cursor = params.get('cursor') ?? '';
  if (!cursor) earlier.length = 0;
  const answer = await api<{ items: PendingItem[]; cursor?: string }>(
    'GET',
    `/pending${query({ ...filters, cursor })}`,
  );
  const go = (values: Record<string, string>) => {
    location.hash = `#/pending${query(values)}`;
  };
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));

  const approver = h('input', {
    type: 'email',
    name: 'approver',
    value: filters.approver,
    maxlength: 254,
    autocomplete: 'off',
  });
  const gate = h('input', {
    type: 'text',
    name: 'gate',
    value: filters.gate,
    maxlength: 63,
    autocomplete: 'off',
  });
  const overdue = select({ name: 'overdue' }, OVERDUE, filters.overdue);
  const status = select({ name: 'status' }, STATUSES, filters.status);
  const limit = select({ name: 'limit' }, LIMITS, filters.limit);
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    field('Approver e-mail', approver),
    field('Gate id', gate),
    field('Overdue', overdue),
    field('Status', status),
    field('Per page', limit),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go({
      approver: approver.value.trim(),
      gate: gate.value.trim(),
      overdue: overdue.value,
      status: status.value,
      limit: limit.value,
    });
  });

  const paging = pager({
    cursor,
    next: answer.cursor,
    earlier,
    go: (page) => go({ ...filters, cursor: page }),
  });

  show(
    main,
    heading('Pending'),
    h(
      'p',
      { class: 'muted' },
      'Projects not closed, oldest first: where each stands, who is asked and since when.',
    ),
    form,
    answer.items.length === 0
      ? h('p', { class: 'empty' }, 'Nothing pending matches these filters.')
      : table(
          'Pending projects',
          ['Project', 'Status', 'Process', 'Gate or stage', 'Due', 'Waiting on', 'Act'],
          answer.items.map((item) => row(item, reload)),
        ),
    paging,
  );
}

function age(hours: number | undefined): string {
  if (hours === undefined) return '';
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.round(hours)} hours`;
}

function row(item: PendingItem, reload: () => void): Child[] {
  const g = item.gate;
  return [
    [h('strong', null, item.title), h('br'), h('code', { class: 'small' }, item.projectId)],
    [
      item.status,
      item.hold
        ? h('span', { class: 'muted' }, ` (${item.hold.cause ?? 'hold'} since ${when(item.hold.since)})`)
        : '',
      h('br'),
      h('span', { class: 'muted' }, age(item.ageHours)),
    ],
    [h('code', null, item.definition.id), ` v${item.definition.version}`],
    g
      ? [`${g.name} (#${g.sequence})`, h('br'), h('span', { class: 'muted' }, `opened ${when(g.openedAt)}`)]
      : item.stage
        ? `stage before ${item.stage.gateId}`
        : '',
    g
      ? [
          h('span', { class: `sla ${g.sla ?? ''}` }, g.sla ?? (g.overdue ? 'overdue' : '')),
          ' ',
          when(g.dueAt),
          g.escalatedAt ? h('span', { class: 'muted' }, ` · escalated ${when(g.escalatedAt)}`) : '',
        ]
      : '',
    g
      ? h(
          'ul',
          { class: 'approvers' },
          g.approvers.map((a) =>
            h(
              'li',
              null,
              `${a.name ?? a.email}: ${a.status}`,
              a.reminders ? h('span', { class: 'muted' }, ` (reminded ${a.reminders}×)`) : '',
            ),
          ),
        )
      : '',
    h('div', { class: 'row-actions' }, actions(item, reload)),
  ];
}

/** The actions a review in flight allows, each asking its reason in a dialog. */
function actions(item: PendingItem, reload: () => void): HTMLElement[] {
  const project = `/projects/${seg(item.projectId)}`;
  const g = item.gate;
  const waiting = (g?.approvers ?? []).filter(
    (a) => a.status === 'pending' || a.status === 'waiting' || a.status === 'asked',
  );
  const button = (label: string, open: () => Promise<boolean>) =>
    h(
      'button',
      {
        type: 'button',
        class: 'small secondary',
        'aria-label': `${label}: ${item.title}`,
        onclick: async () => {
          if (await open()) {
            announce(`${label}: done`);
            reload();
          }
        },
      },
      label,
    );
  const out: HTMLElement[] = [];
  if (g) {
    const gatePath = `${project}/gates/${seg(g.sequence)}`;
    const people = (g.approvers.length > 0 ? g.approvers : waiting).map(
      (a) => [a.email, a.name ? `${a.name} <${a.email}>` : a.email] as const,
    );
    out.push(
      button('Remind', () =>
        actionDialog({
          title: `Remind: ${item.title}`,
          description: `A reminder with a fresh link, now, for ${g.name}.`,
          fields: [
            {
              name: 'approver',
              label: 'Who',
              type: 'select',
              options: [['', 'Everyone who has not decided'], ...people],
            },
          ],
          submitLabel: 'Send the reminder',
          submit: (v) =>
            api('POST', `${gatePath}/remind`, {
              reason: v.reason,
              ...(v.approver ? { approver: v.approver } : {}),
            }).then(() => undefined),
        }),
      ),
      button('Reassign', () =>
        actionDialog({
          title: `Reassign: ${item.title}`,
          description: `Hands one approver's request for ${g.name} to someone else.`,
          fields: [
            { name: 'from', label: 'From', type: 'select', options: people, required: true },
            { name: 'to', label: 'To (e-mail)', type: 'email', required: true, maxLength: 254 },
          ],
          submitLabel: 'Reassign',
          submit: (v) =>
            api('POST', `${gatePath}/reassign`, { from: v.from, to: v.to, reason: v.reason }).then(
              () => undefined,
            ),
        }),
      ),
      button('Extend', () =>
        actionDialog({
          title: `Extend: ${item.title}`,
          description: `Moves the deadline of ${g.name}, now ${when(g.dueAt)}.`,
          fields: [
            {
              name: 'dueAt',
              label: 'New deadline (UTC)',
              type: 'datetime-local',
              required: true,
              value: laterThan(g.dueAt),
              hint: 'Later than the current deadline, within 180 days.',
            },
          ],
          submitLabel: 'Extend',
          submit: (v) =>
            api('POST', `${gatePath}/extend`, {
              dueAt: new Date(`${v.dueAt}:00Z`).toISOString(),
              reason: v.reason,
            }).then(() => undefined),
        }),
      ),
    );
  }
  if (item.status === 'on-hold')
    out.push(
      button('Resume', () =>
        actionDialog({
          title: `Resume: ${item.title}`,
          submitLabel: 'Resume',
          submit: (v) => api('POST', `${project}/resume`, { reason: v.reason }).then(() => undefined),
        }),
      ),
    );
  else
    out.push(
      button('Hold', () =>
        actionDialog({
          title: `Hold: ${item.title}`,
          description:
            'Parks the project until a PMO admin resumes it; an open gate is closed as a Hold decision closes it.',
          submitLabel: 'Put on hold',
          submit: (v) => api('POST', `${project}/hold`, { reason: v.reason }).then(() => undefined),
        }),
      ),
    );
  out.push(
    button('Cancel', () =>
      actionDialog({
        title: `Cancel: ${item.title}`,
        description:
          'Closes the project as cancelled: open requests close and their links stop working. This cannot be undone.',
        submitLabel: 'Cancel the project',
        submit: (v) => api('POST', `${project}/cancel`, { reason: v.reason }).then(() => undefined),
      }),
    ),
  );
  return out;
}

/** A day after the current deadline, as a datetime-local value (UTC). */
function laterThan(dueAt: string | undefined): string {
  const base = dueAt ? Date.parse(dueAt) : Date.now();
  return new Date((Number.isNaN(base) ? Date.now() : base) + 86_400_000).toISOString().slice(0, 16);
}
