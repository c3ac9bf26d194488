import type { TrailEvent } from '../../domain/trail.ts';
import type { DirectoryPerson } from '../../usecases/model.ts';
import type { Page, PageRequest, PeopleStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { strip, type Table } from './table.ts';

/** The people directory, keyed by canonical e-mail. */
export class PeopleItems implements PeopleStore {
  constructor(private readonly table: Table) {}

  async getPerson(email: string): Promise<DirectoryPerson | undefined> {
    return strip<DirectoryPerson>(await this.table.get(keys.person(email)));
  }

  async putPerson(
    person: DirectoryPerson,
    event: TrailEvent,
    expectedUpdatedAt?: string | null,
  ): Promise<void> {
    const item = {
      ...keys.person(person.email),
      ...keys.personListing(person.email),
      type: 'person',
      ...person,
    };
    const op =
      expectedUpdatedAt === undefined
        ? this.table.put(item)
        : expectedUpdatedAt === null
          ? this.table.put(item, 'attribute_not_exists(pk)')
          : this.table.put(item, 'updatedAt = :was', { ':was': expectedUpdatedAt });
    await this.table.withTrail(
      [event],
      [{ op, ...(expectedUpdatedAt === undefined ? {} : { guard: 'person-unchanged' as const }) }],
    );
  }

  async listPeople(page?: PageRequest): Promise<Page<DirectoryPerson>> {
    const { items, cursor } = await this.table.listPage(keys.listing.people, page);
    return {
      items: items.map((i) => strip<DirectoryPerson>(i) as DirectoryPerson),
      ...(cursor ? { cursor } : {}),
    };
  }
}
