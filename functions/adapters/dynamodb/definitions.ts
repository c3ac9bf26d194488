import type { ProcessDefinition } from '../../domain/definition.ts';
import type { TrailEvent } from '../../domain/trail.ts';
import type { DefinitionStore, DefinitionVersionInfo } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import type { Guarded, Table } from './table.ts';

/** Process definitions: immutable published versions and the pointer new projects start on. */
export class DefinitionItems implements DefinitionStore {
  constructor(private readonly table: Table) {}

  async listDefinitions(): Promise<DefinitionVersionInfo[]> {
    const all: DefinitionVersionInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.table.listPage(keys.listing.definitions, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...page.items.map(versionInfo));
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  async listDefinitionVersions(id: string): Promise<DefinitionVersionInfo[]> {
    const { pk, skPrefix } = keys.definitionVersionPrefix(id);
    return (await this.table.query(pk, skPrefix)).map(versionInfo);
  }

  async getCurrentDefinition(id: string): Promise<ProcessDefinition | undefined> {
    const pointer = await this.table.get(keys.definitionCurrent(id));
    return pointer ? this.getDefinition(id, pointer.version as number) : undefined;
  }

  async getDefinition(id: string, version: number): Promise<ProcessDefinition | undefined> {
    const item = await this.table.get(keys.definitionVersion(id, version));
    return item?.definition as ProcessDefinition | undefined;
  }

  async publishDefinition(definition: ProcessDefinition, event: TrailEvent): Promise<void> {
    await this.table.withTrail([event], publishSteps(this.table, definition, event));
  }
}

/**
 * The steps that publish a version: the immutable version item and the CURRENT pointer, which
 * only moves forward (`new-version` either way). Shared with the draft's publication, which adds
 * its own step to the same transaction.
 */
export function publishSteps(table: Table, definition: ProcessDefinition, event: TrailEvent): Guarded[] {
  const published = { at: event.at, by: event.actor.id };
  return [
    {
      op: table.put(
        {
          ...keys.definitionVersion(definition.id, definition.version),
          type: 'definition',
          definition,
          published,
        },
        'attribute_not_exists(pk)',
      ),
      guard: 'new-version',
    },
    {
      // The current pointer only moves forward.
      op: table.put(
        {
          ...keys.definitionCurrent(definition.id),
          ...keys.definitionListing(definition.id),
          type: 'definition-pointer',
          id: definition.id,
          name: definition.name,
          version: definition.version,
          published,
        },
        'attribute_not_exists(pk) OR version < :version',
        { ':version': definition.version },
      ),
      guard: 'new-version',
    },
  ];
}

/** A version item or a CURRENT pointer, as listed (a pointer from before names were kept: its id). */
function versionInfo(item: Record<string, unknown>): DefinitionVersionInfo {
  const definition = item.definition as ProcessDefinition | undefined;
  const id = definition?.id ?? (item.id as string | undefined) ?? String(item.pk).slice('DEF#'.length);
  return {
    id,
    version: definition?.version ?? (item.version as number),
    name: definition?.name ?? (item.name as string | undefined) ?? id,
    published: item.published as DefinitionVersionInfo['published'],
  };
}
