import type { DefinitionChange } from '../../../domain/definition-diff.ts';
import { api, query, seg } from '../api.ts';
import { type Child, field, h, savedBy, select, show, table, when, who } from '../dom.ts';
import { sideBySide } from '../line-diff.ts';
import { actionDialog, announce, heading } from '../ui.ts';
import { definitionYaml } from '../yaml-text.ts';

export interface DraftSummary {
  revision: number;
  updatedAt?: string;
  updatedBy?: unknown;
  updatedByName?: string;
}

interface DefinitionSummary {
  id: string;
  name: string;
  current: number;
  published?: { at?: string; by?: unknown };
  draft?: DraftSummary;
}

interface DefinitionDetail {
  id: string;
  name: string;
  current: number;
  versions: { version: number; name: string; published?: { at?: string; by?: unknown } }[];
  draft?: DraftSummary;
}

const link = (href: string, text: Child, attrs: Record<string, string> = {}) =>
  h('a', { href, ...attrs }, text);
export const definitionHref = (id: string) => `#/definitions/${encodeURIComponent(id)}`;
export const draftHref = (id: string) => `${definitionHref(id)}/draft`;
export const diffHref = (id: string, from: number, to: number | 'draft') =>
  `${definitionHref(id)}/diff${query({ from, to })}`;

function draftText(draft: DraftSummary | undefined): string {
  if (!draft) return 'none';
  const by = savedBy(draft);
  return `revision ${draft.revision}${by ? `, saved by ${by}` : ''}${draft.updatedAt ? ` at ${when(draft.updatedAt)}` : ''}`;
}

/** Every process: its current version and its draft, if one is being worked on. */
export async function definitionsPage(main: HTMLElement): Promise<void> {
  const { definitions } = await api<{ definitions: DefinitionSummary[] }>('GET', '/definitions');
  show(
    main,
    heading('Process definitions'),
    h(
      'p',
      { class: 'muted' },
      'Published versions never change. A change is made in a draft, checked, tried against a sample proposal, then published as the next version; running projects stay on the version they started on.',
    ),
    definitions.length === 0
      ? h('p', null, 'No process is published yet.')
      : table(
          'Processes',
          ['Process', 'Current version', 'Published', 'Draft'],
          definitions.map((d) => [
            [link(definitionHref(d.id), d.name), ' ', h('code', null, d.id)],
            `v${d.current}`,
            [when(d.published?.at), d.published?.by ? ` by ${who(d.published.by)}` : ''],
            d.draft ? link(draftHref(d.id), draftText(d.draft)) : 'none',
          ]),
        ),
  );
}

/** One process: its versions, its draft, and how to start one. */
export async function definitionPage(main: HTMLElement, id: string): Promise<void> {
  const detail = await api<DefinitionDetail>('GET', `/definitions/${seg(id)}`);
  const versions = [...detail.versions].sort((a, b) => b.version - a.version);
  const start = startDraftForm(id, detail);
  show(
    main,
    heading(detail.name, ' ', h('code', null, detail.id)),
    h('p', null, `Current version: v${detail.current}.`),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'draft-heading' },
      h('h2', { id: 'draft-heading' }, 'Draft'),
      detail.draft
        ? [
            h('p', null, `A draft is being worked on: ${draftText(detail.draft)}.`),
            h(
              'p',
              { class: 'actions' },
              link(draftHref(id), 'Open the draft', { class: 'button' }),
              link(diffHref(id, detail.current, 'draft'), `Compare the draft with v${detail.current}`, {
                class: 'button secondary',
              }),
            ),
          ]
        : start,
    ),
    table(
      'Versions',
      ['Version', 'Name', 'Published', 'Look'],
      versions.map((v) => [
        `v${v.version}${v.version === detail.current ? ' (current)' : ''}`,
        v.name,
        [when(v.published?.at), v.published?.by ? ` by ${who(v.published.by)}` : ''],
        [
          link(`${definitionHref(id)}/versions/${v.version}`, `Show v${v.version}`),
          v.version > 1
            ? [' · ', link(diffHref(id, v.version - 1, v.version), `Changes from v${v.version - 1}`)]
            : '',
        ],
      ]),
    ),
  );
}

/** A new draft copied from a published version (its `version` becomes the next one). */
function startDraftForm(id: string, detail: DefinitionDetail): HTMLFormElement {
  const from = select(
    { name: 'fromVersion' },
    [...detail.versions]
      .sort((a, b) => b.version - a.version)
      .map((v) => [String(v.version), `v${v.version}: ${v.name}`] as const),
    String(detail.current),
  );
  const form = h(
    'form',
    { class: 'inline-form' },
    h('p', null, 'No draft. Start one from a published version:'),
    field('Start from', from),
    h('button', { type: 'submit' }, 'Start a draft'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fromVersion = Number(from.value);
    await actionDialog({
      title: `Start a draft of ${detail.name}`,
      description: `Copies v${fromVersion}; the draft becomes v${detail.current + 1} when published.`,
      submitLabel: 'Start the draft',
      reason: { label: 'Why (optional)', hint: 'Recorded in the trail with the draft.', required: false },
      submit: async (values) => {
        await api('POST', `/definitions/${seg(id)}/draft`, {
          fromVersion,
          ...(values.reason ? { reason: values.reason } : {}),
        });
        announce('Draft started');
        location.hash = draftHref(id);
      },
    });
  });
  return form;
}

/** A published version, as YAML. */
export async function versionPage(main: HTMLElement, id: string, version: number): Promise<void> {
  const answer = await api<{
    definition: Record<string, unknown>;
    published?: { at?: string; by?: unknown };
  }>('GET', `/definitions/${seg(id)}/versions/${seg(version)}`);
  show(
    main,
    heading(`${String(answer.definition.name ?? id)} v${version}`),
    h(
      'p',
      { class: 'muted' },
      `Published ${when(answer.published?.at)}${answer.published?.by ? ` by ${who(answer.published.by)}` : ''}. `,
      link(definitionHref(id), 'All versions'),
    ),
    h(
      'pre',
      { class: 'source', tabindex: 0, 'aria-label': `v${version} as YAML` },
      definitionYaml(answer.definition),
    ),
  );
}

async function definitionAt(id: string, at: number | 'draft'): Promise<Record<string, unknown>> {
  if (at === 'draft')
    return (await api<{ definition: Record<string, unknown> }>('GET', `/definitions/${seg(id)}/draft`))
      .definition;
  return (
    await api<{ definition: Record<string, unknown> }>('GET', `/definitions/${seg(id)}/versions/${seg(at)}`)
  ).definition;
}

/** Two versions (or a version and the draft) side by side, with the API's list of changes. */
export async function diffPage(
  main: HTMLElement,
  id: string,
  from: number,
  to: number | 'draft',
): Promise<void> {
  const [before, after, diff] = await Promise.all([
    definitionAt(id, from),
    definitionAt(id, to),
    api<{ changes: DefinitionChange[] }>('GET', `/definitions/${seg(id)}/diff${query({ from, to })}`),
  ]);
  const label = (at: number | 'draft') => (at === 'draft' ? 'the draft' : `v${at}`);
  show(
    main,
    heading(`${String(after.name ?? id)}: ${label(from)} → ${label(to)}`),
    h(
      'p',
      { class: 'actions' },
      link(definitionHref(id), 'All versions'),
      to === 'draft' ? link(draftHref(id), 'Back to the draft') : null,
    ),
    changeList(diff.changes),
    sideBySideTable(definitionYaml(before), definitionYaml(after), label(from), label(to)),
  );
}

/** The API's readable change list. */
export function changeList(changes: DefinitionChange[], title = 'What changed'): HTMLElement {
  return h(
    'section',
    { class: 'card changes', 'aria-label': title },
    h('h2', null, title),
    changes.length === 0
      ? h('p', null, 'Nothing changed.')
      : h(
          'ul',
          null,
          changes.map((c) =>
            h('li', { class: `change ${c.kind}` }, h('span', { class: 'tag' }, c.kind), ' ', c.what),
          ),
        ),
  );
}

const MARK: Record<string, string> = { changed: '~', removed: '−', added: '+', same: '' };

/** Two columns of lines; changed, removed and added lines are marked (in words too, for screen readers). */
function sideBySideTable(before: string, after: string, left: string, right: string): HTMLElement {
  const rows = sideBySide(before, after);
  const cell = (
    side: { number: number; text: string } | undefined,
    kind: string,
    which: 'left' | 'right',
  ) => {
    const marked = kind !== 'same' && side !== undefined;
    return [
      h('td', { class: 'num' }, side ? String(side.number) : ''),
      h(
        'td',
        { class: `line ${side ? (marked ? (which === 'left' ? 'del' : 'ins') : '') : 'empty'}` },
        marked ? h('span', { class: 'mark', 'aria-hidden': 'true' }, MARK[kind] ?? '') : null,
        marked
          ? h('span', { class: 'visually-hidden' }, `${which === 'left' ? 'before' : 'after'}, ${kind}: `)
          : null,
        side ? side.text : '',
      ),
    ];
  };
  const changed = rows.filter((r) => r.kind !== 'same').length;
  return h(
    'div',
    { class: 'diff-wrap', tabindex: 0, role: 'region', 'aria-label': 'Side by side' },
    h(
      'table',
      { class: 'diff' },
      h('caption', null, `${left} and ${right} side by side: ${changed} line(s) differ`),
      h('colgroup', null, h('col', { class: 'num-col' }), h('col'), h('col', { class: 'num-col' }), h('col')),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col', colspan: 2 }, left),
          h('th', { scope: 'col', colspan: 2 }, right),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            { class: r.kind, 'data-kind': r.kind },
            cell(r.left, r.kind, 'left'),
            cell(r.right, r.kind, 'right'),
          ),
        ),
      ),
    ),
  );
}
