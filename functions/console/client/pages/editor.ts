import type { ProcessDefinition } from '../../../domain/definition.ts';
import type { DefinitionChange } from '../../../domain/definition-diff.ts';
import {
  type FileProblem,
  locateFileProblems,
  parseDefinitionFile,
  readDefinitionData,
} from '../../../domain/definition-file.ts';
import type { Problem } from '../../../domain/validation.ts';
import { ApiError, api, seg } from '../api.ts';
import { currentSession } from '../auth.ts';
import { debounce, h, savedBy, show, when } from '../dom.ts';
import { actionDialog, announce, errorCard, flashNext, guardLeaving, heading } from '../ui.ts';
import { definitionYaml } from '../yaml-text.ts';
import { changeList, definitionHref, diffHref } from './definitions.ts';
import { dryRunPanel } from './dry-run.ts';

interface Draft {
  revision: number;
  basedOn?: number;
  definition: Record<string, unknown>;
  source?: string;
  updatedAt?: string;
  updatedBy?: unknown;
  updatedByName?: string;
  problems?: Problem[];
  changes?: DefinitionChange[];
}

/** What the API keeps of the editor's text (128 KiB). */
const MAX_SOURCE_BYTES = 128 * 1024;
/** The editor's line height in pixels (the stylesheet's `.code` line-height). */
const LINE = 20;

/**
 * The draft of one process: YAML in a text area with line numbers, checked as you type by the
 * same parser as the CLI (each problem with its line; choosing it goes there), saved under the
 * revision it was read at, tried live against a sample proposal, published with a reason.
 */
export async function editorPage(main: HTMLElement, id: string): Promise<void> {
  const [detail, loaded] = await Promise.all([
    api<{ name: string; current: number }>('GET', `/definitions/${seg(id)}`),
    api<Draft>('GET', `/definitions/${seg(id)}/draft`).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }),
  ]);
  if (!loaded) {
    show(
      main,
      heading(`No draft of ${detail.name}`),
      h(
        'p',
        null,
        'Start one from a published version on ',
        h('a', { href: definitionHref(id) }, "the process's page"),
        '.',
      ),
    );
    return;
  }
  let draft: Draft = loaded;
  let saved = draft.source ?? definitionYaml(draft.definition);
  let valid: ProcessDefinition | undefined;
  let problems: FileProblem[] = [];
  let serverProblems: FileProblem[] = [];

  const editor = codeEditor(saved, `Draft of ${detail.name} (YAML)`);
  const problemsBox = h('section', {
    class: 'card problems-box',
    'aria-labelledby': 'problems-heading',
    'aria-live': 'polite',
  });
  const meta = h('p', { class: 'muted', id: 'draft-meta' });
  const saveButton = h('button', { type: 'button' }, 'Save draft');
  const publishButton = h('button', { type: 'button', class: 'secondary' }, 'Publish…');
  const publishHint = h('p', { class: 'hint', id: 'publish-hint' });
  publishButton.setAttribute('aria-describedby', publishHint.id);
  const compare = h(
    'a',
    { href: diffHref(id, detail.current, 'draft'), class: 'button secondary' },
    `Compare with v${detail.current}`,
  );
  const saveResult = h('div', { id: 'save-result', 'aria-live': 'polite' });
  const dryRun = dryRunPanel();
  const dirty = () => editor.textarea.value !== saved;

  const renderMeta = () => {
    const by = savedBy(draft);
    meta.textContent = `Revision ${draft.revision}${draft.basedOn ? `, started from v${draft.basedOn}` : ''}${by ? `, last saved by ${by}` : ''}${draft.updatedAt ? ` at ${when(draft.updatedAt)}` : ''}.${dirty() ? ' Unsaved changes.' : ''}`;
  };
  const renderButtons = () => {
    const unsaved = dirty();
    publishButton.disabled = unsaved || valid === undefined;
    publishHint.textContent = unsaved
      ? 'Save the draft before publishing it.'
      : valid === undefined
        ? 'Publishing needs a valid definition: fix the problems first.'
        : `Publishes revision ${draft.revision} as the next version.`;
    renderMeta();
  };
  const renderProblems = () => {
    const seen = new Set(problems.map((p) => `${p.line}:${p.path}:${p.message}`));
    const all = [...problems, ...serverProblems.filter((p) => !seen.has(`${p.line}:${p.path}:${p.message}`))];
    editor.mark(all);
    show(
      problemsBox,
      h('h2', { id: 'problems-heading' }, all.length === 0 ? 'No problems' : `Problems (${all.length})`),
      all.length === 0
        ? h('p', { class: 'ok' }, 'The definition is valid.')
        : h(
            'ul',
            { class: 'problem-list' },
            all.map((p) =>
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'problem',
                    'data-line': p.line,
                    onclick: () => editor.jumpTo(p.line, p.col),
                  },
                  h('span', { class: 'where' }, `Line ${p.line}, column ${p.col}`),
                  ' ',
                  h('code', null, p.path),
                  ' ',
                  p.message,
                ),
              ),
            ),
          ),
    );
  };
  const validate = () => {
    const parsed = parseDefinitionFile(editor.textarea.value);
    valid = parsed.ok ? parsed.value : undefined;
    problems = parsed.ok ? [] : parsed.problems;
    serverProblems = [];
    renderProblems();
    renderButtons();
    dryRun.update(valid);
  };
  const validateSoon = debounce(250, validate);
  editor.textarea.addEventListener('input', () => {
    renderButtons();
    validateSoon();
  });

  const save = async (overRevision?: number) => {
    const text = editor.textarea.value;
    show(saveResult);
    if (new TextEncoder().encode(text).length > MAX_SOURCE_BYTES) {
      show(saveResult, errorCard(new Error('the text is over 128 KiB: shorten it to save it')));
      return;
    }
    const data = readDefinitionData(text);
    if (!data.ok) {
      const first = data.problems[0];
      show(
        saveResult,
        errorCard(
          new Error(
            `the YAML does not parse${first ? ` (line ${first.line})` : ''}: fix it to save the draft`,
          ),
        ),
      );
      return;
    }
    saveButton.disabled = true;
    try {
      const answer = await api<{ revision: number; problems?: Problem[]; changes?: DefinitionChange[] }>(
        'PUT',
        `/definitions/${seg(id)}/draft`,
        { definition: data.value, source: text, revision: overRevision ?? draft.revision },
      );
      saved = text;
      draft = {
        ...draft,
        revision: answer.revision,
        updatedAt: new Date().toISOString(),
        updatedBy: currentSession()?.email ?? '',
        updatedByName: currentSession()?.name ?? 'you',
      };
      serverProblems = locateFileProblems(text, answer.problems ?? []);
      renderProblems();
      show(
        saveResult,
        h('p', { class: 'ok' }, `Saved as revision ${answer.revision}.`),
        answer.changes ? changeList(answer.changes, `Changes from v${detail.current}`) : null,
      );
      announce(`Draft saved as revision ${answer.revision}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) show(saveResult, conflictCard(error));
      else show(saveResult, errorCard(error, 'Not saved'));
    } finally {
      saveButton.disabled = false;
      renderButtons();
    }
  };

  /** Someone saved meanwhile: who, when, what they changed; reload theirs, or save over it knowingly. */
  const conflictCard = (error: ApiError) => {
    const current = (error.body.current ?? {}) as {
      revision?: number;
      updatedBy?: unknown;
      updatedAt?: string;
    };
    const changes = Array.isArray(error.body.changes)
      ? (error.body.changes as DefinitionChange[])
      : undefined;
    return h(
      'div',
      { class: 'card problems conflict', role: 'alert' },
      h('h2', null, 'Someone else saved this draft meanwhile'),
      h(
        'p',
        null,
        current.revision
          ? `${savedBy(current) || 'Another PMO admin'} saved revision ${current.revision}${current.updatedAt ? ` at ${when(current.updatedAt)}` : ''}. Take their version and redo your change, or save yours over it.`
          : `${error.message}.`,
      ),
      changes ? changeList(changes, 'What they changed') : null,
      h(
        'p',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              draft = await api<Draft>('GET', `/definitions/${seg(id)}/draft`);
              saved = draft.source ?? definitionYaml(draft.definition);
              editor.setText(saved);
              show(saveResult, h('p', null, `Loaded revision ${draft.revision}; your text was replaced.`));
              validate();
            },
          },
          'Load their version (drops my changes)',
        ),
        current.revision
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => save(current.revision) },
              'Save mine over theirs',
            )
          : null,
      ),
    );
  };

  saveButton.addEventListener('click', () => void save());
  publishButton.addEventListener('click', async () => {
    const version = valid?.version;
    await actionDialog({
      title: `Publish ${detail.name} v${version ?? '?'}`,
      description: `Revision ${draft.revision} becomes the version new projects follow. Projects already running stay on the version they started on.`,
      submitLabel: 'Publish',
      reason: { hint: 'Required: recorded in the trail with the change list.' },
      submit: async (values) => {
        const published = await api<{ version: number; changes?: DefinitionChange[] }>(
          'POST',
          `/definitions/${seg(id)}/publish`,
          { revision: draft.revision, reason: values.reason },
        );
        guardLeaving(undefined);
        flashNext(`Published ${detail.name} v${published.version}.`);
        location.hash = definitionHref(id);
      },
    });
  });
  guardLeaving(() => (dirty() ? 'The draft has unsaved changes. Leave and lose them?' : undefined));

  show(
    main,
    heading(`Draft of ${detail.name}`, ' ', h('code', null, id)),
    meta,
    h(
      'div',
      { class: 'editor-grid' },
      h(
        'section',
        { class: 'editor-pane', 'aria-label': 'Definition' },
        editor.root,
        problemsBox,
        h('div', { class: 'actions' }, saveButton, compare, publishButton),
        publishHint,
        saveResult,
        draft.changes && draft.changes.length > 0
          ? changeList(draft.changes, `Saved draft: changes from v${detail.current}`)
          : null,
      ),
      dryRun.root,
    ),
  );
  validate();
}

/** A text area with a line-number gutter and marked lines; keyboard as a plain text area (Tab leaves it). */
function codeEditor(text: string, label: string) {
  const textarea = h('textarea', {
    id: 'source',
    class: 'source',
    wrap: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-describedby': 'problems-heading',
  });
  textarea.value = text;
  const gutter = h('ol', { class: 'gutter', 'aria-hidden': 'true' });
  const marks = h('div', { class: 'marks', 'aria-hidden': 'true' });
  let lines = 0;
  let marked: FileProblem[] = [];
  const renderGutter = () => {
    const count = textarea.value.split('\n').length;
    if (count !== lines) {
      lines = count;
      gutter.replaceChildren(
        ...Array.from({ length: count }, (_, i) => h('li', { 'data-line': i + 1 }, String(i + 1))),
      );
    }
    const bad = new Map<number, string>();
    for (const p of marked)
      bad.set(p.line, `${bad.has(p.line) ? `${bad.get(p.line)}; ` : ''}${p.path}: ${p.message}`);
    for (const li of gutter.children) {
      const line = Number((li as HTMLElement).dataset.line);
      li.classList.toggle('bad', bad.has(line));
      if (bad.has(line)) li.setAttribute('title', bad.get(line) ?? '');
      else li.removeAttribute('title');
    }
    marks.replaceChildren(
      ...[...bad.keys()].map((line) => {
        const band = h('div', { class: 'mark-line', 'data-line': line });
        band.style.top = `${(line - 1) * LINE}px`;
        return band;
      }),
    );
    sync();
  };
  const sync = () => {
    gutter.scrollTop = textarea.scrollTop;
    marks.style.transform = `translateY(${-textarea.scrollTop}px)`;
  };
  textarea.addEventListener('scroll', sync);
  textarea.addEventListener('input', renderGutter);
  renderGutter();
  const root = h(
    'div',
    { class: 'code-field' },
    h('label', { for: textarea.id }, label),
    h('div', { class: 'code' }, gutter, h('div', { class: 'surface' }, marks, textarea)),
  );
  return {
    root,
    textarea,
    mark(problems: FileProblem[]) {
      marked = problems;
      renderGutter();
    },
    setText(value: string) {
      textarea.value = value;
      renderGutter();
    },
    /** Puts the caret on the problem and the line in view. */
    jumpTo(line: number, col: number) {
      const all = textarea.value.split('\n');
      let start = 0;
      for (let i = 0; i < line - 1 && i < all.length; i++) start += (all[i]?.length ?? 0) + 1;
      const end = start + (all[line - 1]?.length ?? 0);
      textarea.focus();
      textarea.setSelectionRange(Math.min(start + Math.max(0, col - 1), end), end);
      textarea.scrollTop = Math.max(0, (line - 1) * LINE - textarea.clientHeight / 3);
      sync();
    },
  };
}
