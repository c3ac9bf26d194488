import type { ProcessDefinition } from '../../domain/definition.ts';
import type { TrailEvent } from '../../domain/trail.ts';
import type { DefinitionStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import type { Table } from './table.ts';

/** Process definitions: immutable published versions and the pointer new projects start on. */
export class DefinitionItems implements DefinitionStore {
  constructor(private readonly table: Table) {}

  async getCurrentDefinition(id: string): Promise<ProcessDefinition | undefined> {
    const pointer = await this.table.get(keys.definitionCurrent(id));
    return pointer ? this.getDefinition(id, pointer.version as number) : undefined;
  }

  async getDefinition(id: string, version: number): Promise<ProcessDefinition | undefined> {
    const item = await this.table.get(keys.definitionVersion(id, version));
    return item?.definition as ProcessDefinition | undefined;
  }

  async publishDefinition(definition: ProcessDefinition, event: TrailEvent): Promise<void> {
    const published = { at: event.at, by: event.actor.id };
    await this.table.withTrail(
      [event],
      [
        {
          op: this.table.put(
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
          op: this.table.put(
            {
              ...keys.definitionCurrent(definition.id),
              type: 'definition-pointer',
              version: definition.version,
              published,
            },
            'attribute_not_exists(pk) OR version < :version',
            { ':version': definition.version },
          ),
          guard: 'new-version',
        },
      ],
    );
  }
}
