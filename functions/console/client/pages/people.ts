import { api, query, seg } from '../api.ts';
import { h, show, table } from '../dom.ts';
import { actionDialog, announce, heading, pager } from '../ui.ts';

interface Person {
  email: string;
  name: string;
  roles: string[];
  away?: { from: string; until: string; delegate: string };
  updatedAt?: string;
}

const ROLES = [
  ['requester', 'Requester'],
  ['pmo-admin', 'PMO admin'],
  ['compliance', 'Compliance'],
  ['approver', 'Approver'],
] as const;

const earlier: string[] = [];

/** The directory: who is who, their roles, who is away and who stands in for them. */
export async function peoplePage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const cursor = params.get('cursor') ?? '';
  if (!cursor) earlier.length = 0;
  const answer = await api<{ people: Person[]; cursor?: string }>(
    'GET',
    `/people${query({ cursor, limit: 50 })}`,
  );
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const done = (message: string) => (ok: boolean) => {
    if (!ok) return;
    announce(message);
    reload();
  };
  const edit = (person?: Person) =>
    actionDialog({
      title: person ? `Edit ${person.name}` : 'Add a person',
      fields: [
        {
          name: 'email',
          label: 'E-mail',
          type: 'email',
          required: true,
          maxLength: 254,
          ...(person ? { value: person.email, readOnly: true } : {}),
        },
        {
          name: 'name',
          label: 'Name',
          required: true,
          maxLength: 200,
          ...(person ? { value: person.name } : {}),
        },
        {
          name: 'roles',
          label: 'Roles',
          type: 'checkboxes',
          options: ROLES,
          value: person?.roles.join(',') ?? '',
        },
      ],
      submitLabel: person ? 'Save' : 'Add',
      submit: async (v) => {
        await api('PUT', `/people/${seg(v.email ?? '')}`, {
          name: v.name,
          roles: (v.roles ?? '').split(',').filter(Boolean),
          reason: v.reason,
        });
      },
    }).then(done(person ? 'Person saved' : 'Person added'));
  const away = (person: Person) =>
    actionDialog({
      title: `${person.name} is away`,
      description: 'Requests opened while they are away go to the delegate.',
      fields: [
        {
          name: 'from',
          label: 'From (date)',
          type: 'date',
          required: true,
          value: new Date().toISOString().slice(0, 10),
        },
        { name: 'until', label: 'Until (date, inclusive)', type: 'date', required: true },
        { name: 'delegate', label: 'Delegate (e-mail)', type: 'email', required: true, maxLength: 254 },
      ],
      submitLabel: 'Set away',
      submit: async (v) => {
        await api('PUT', `/people/${seg(person.email)}/away`, {
          from: v.from,
          until: v.until,
          delegate: v.delegate,
          reason: v.reason,
        });
      },
    }).then(done('Away set'));
  const back = (person: Person) =>
    actionDialog({
      title: `${person.name} is back`,
      submitLabel: 'Set back',
      submit: async (v) => {
        await api('POST', `/people/${seg(person.email)}/back`, { reason: v.reason });
      },
    }).then(done('Back set'));
  const go = (to: string) => {
    location.hash = `#/people${query({ cursor: to })}`;
  };

  show(
    main,
    heading('People'),
    h('p', { class: 'actions' }, h('button', { type: 'button', onclick: () => void edit() }, 'Add a person')),
    table(
      'Directory',
      ['Name', 'E-mail', 'Roles', 'Away', 'Act'],
      answer.people.map((p) => [
        p.name,
        p.email,
        p.roles.length > 0 ? p.roles.join(', ') : h('span', { class: 'muted' }, 'approver only'),
        p.away ? `${p.away.from} to ${p.away.until}, delegate ${p.away.delegate}` : '',
        h(
          'div',
          { class: 'row-actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'aria-label': `Edit ${p.name}`,
              onclick: () => void edit(p),
            },
            'Edit',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'aria-label': `Away: ${p.name}`,
              onclick: () => void away(p),
            },
            'Away…',
          ),
          p.away
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'small secondary',
                  'aria-label': `Back: ${p.name}`,
                  onclick: () => void back(p),
                },
                'Back',
              )
            : null,
        ),
      ]),
    ),
    pager({ cursor, next: answer.cursor, earlier, go }),
    h('p', { class: 'muted' }, `${answer.people.length} shown.`),
  );
}
