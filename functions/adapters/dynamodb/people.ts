import type { TrailEvent } from '../../domain/trail.ts';
import type { DirectoryPerson } from '../../usecases/model.ts';
import type { PeopleStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { strip, type Table } from './table.ts';

/** The people directory, keyed by canonical e-mail. */
export class PeopleItems implements PeopleStore {
  constructor(private readonly table: Table) {}

  async getPerson(email: string): Promise<DirectoryPerson | undefined> {
    return strip<DirectoryPerson>(await this.table.get(keys.person(email)));
  }

  async putPerson(person: DirectoryPerson, event: TrailEvent): Promise<void> {
    await this.table.withTrail(
      [event],
      [{ op: this.table.put({ ...keys.person(person.email), type: 'person', ...person }) }],
    );
  }
}
