import type { ProcessDefinition } from '../../domain/definition.ts';
import type { TrailEvent } from '../../domain/trail.ts';
import type { DefinitionDraft, DraftExpectation, DraftStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { publishSteps } from './definitions.ts';
import { epochSeconds, type Guarded, type Item, type Table } from './table.ts';

/**
 * Earlier revisions are kept this long (90 days): enough for an edit left open over a holiday to be
 * told what changed. A literal, so that a bundle without the drafts keeps nothing of this module.
 */
const REVISION_TTL_SECONDS = 7_776_000;
const LISTING_ATTRIBUTES = ['gsi3pk', 'gsi3sk'];

/**
 * Definition drafts: one per process (`DRAFT`), revision-checked, plus each revision's definition
 * for a while (`DRAFT#<n>`). The definition is kept as JSON text: a draft may be anything the
 * editor sent, and text never meets DynamoDB's limits on nesting or numbers.
 */
export class DraftItems implements DraftStore {
  constructor(private readonly table: Table) {}

  async getDraft(id: string): Promise<DefinitionDraft | undefined> {
    const item = await this.table.get(keys.definitionDraft(id));
    return item ? draftOf(item) : undefined;
  }

  async getDraftRevision(id: string, revision: number): Promise<unknown> {
    const item = await this.table.get(keys.definitionDraftRevision(id, revision));
    return typeof item?.definitionJson === 'string' ? JSON.parse(item.definitionJson) : undefined;
  }

  async listDrafts(): Promise<Omit<DefinitionDraft, 'definition' | 'source'>[]> {
    const all: Omit<DefinitionDraft, 'definition' | 'source'>[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.table.listPage(keys.listing.drafts, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const item of page.items) {
        const { definition: _d, source: _s, ...info } = draftOf(item);
        all.push(info);
      }
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  async saveDraft(draft: DefinitionDraft, expected: DraftExpectation, event: TrailEvent): Promise<void> {
    const definitionJson = JSON.stringify(draft.definition);
    const item: Item = {
      ...keys.definitionDraft(draft.id),
      ...keys.draftListing(draft.id),
      type: 'definition-draft',
      id: draft.id,
      revision: draft.revision,
      basedOn: draft.basedOn,
      definitionJson,
      ...(draft.source !== undefined ? { source: draft.source } : {}),
      updatedAt: draft.updatedAt,
      updatedBy: draft.updatedBy,
    };
    const condition = !expected
      ? 'attribute_not_exists(pk)'
      : `#revision = :expected AND ${expected.spent ? 'attribute_exists' : 'attribute_not_exists'}(#publishedAs)`;
    await this.table.withTrail(
      [event],
      [
        {
          op: this.table.put(item, condition, expected ? { ':expected': expected.revision } : undefined),
          guard: 'draft-unchanged',
        },
        {
          op: this.table.put({
            ...keys.definitionDraftRevision(draft.id, draft.revision),
            type: 'definition-draft-revision',
            definitionJson,
            expiresAtEpoch: epochSeconds(draft.updatedAt) + REVISION_TTL_SECONDS,
          }),
        },
      ],
    );
  }

  async publishDraft(args: {
    definition: ProcessDefinition;
    revision: number;
    event: TrailEvent;
  }): Promise<void> {
    const { definition, revision, event } = args;
    // The spent draft keeps who published which revision as what; its body lives on as the version.
    const spent: Guarded = {
      op: this.table.update(keys.definitionDraft(definition.id), {
        set: { publishedAs: definition.version, publishedAt: event.at },
        remove: ['definitionJson', 'source', ...LISTING_ATTRIBUTES],
        condition: '#revision = :revision AND attribute_not_exists(#publishedAs)',
        values: { ':revision': revision },
      }),
      guard: 'draft-unchanged',
    };
    await this.table.withTrail([event], [...publishSteps(this.table, definition, event), spent]);
  }
}

function draftOf(item: Item): DefinitionDraft {
  return {
    id: item.id as string,
    revision: item.revision as number,
    basedOn: (item.basedOn as number | undefined) ?? 0,
    definition: typeof item.definitionJson === 'string' ? JSON.parse(item.definitionJson) : undefined,
    ...(typeof item.source === 'string' ? { source: item.source } : {}),
    updatedAt: item.updatedAt as string,
    updatedBy: item.updatedBy as DefinitionDraft['updatedBy'],
    ...(typeof item.publishedAs === 'number' ? { publishedAs: item.publishedAs } : {}),
  };
}
