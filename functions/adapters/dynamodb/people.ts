import type { TrailEvent } from '../../domain/trail.ts';
import type { DirectoryPerson } from '../../usecases/model.ts';
import type { Page, PageRequest, PeopleStore, PersonExpected } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { type Guarded, strip, type Table } from './table.ts';

/**
 * The condition that an entry is still as read: the same `updatedAt`, or, read without one (an
 * older entry), still there and still without one.
 */
function unchangedSince(updatedAt: string | undefined): [string, Record<string, unknown>?] {
  return updatedAt === undefined
    ? ['attribute_exists(pk) AND attribute_not_exists(updatedAt)']
    : ['updatedAt = :seen', { ':seen': updatedAt }];
}

/** The people directory, keyed by canonical e-mail. */
export class PeopleItems implements PeopleStore {
  constructor(private readonly table: Table) {}

  async getPerson(email: string): Promise<DirectoryPerson | undefined> {
    return strip<DirectoryPerson>(await this.table.get(keys.person(email)));
  }

  async putPerson(person: DirectoryPerson, event: TrailEvent, expected?: PersonExpected): Promise<void> {
    const item = {
      ...keys.person(person.email),
      ...keys.personListing(person.email),
      type: 'person',
      ...person,
    };
    if (expected === undefined) {
      await this.table.withTrail([event], [{ op: this.table.put(item) }]);
      return;
    }
    const steps: Guarded[] = [
      {
        op:
          expected.entry === null
            ? this.table.put(item, 'attribute_not_exists(pk)')
            : this.table.put(item, ...unchangedSince(expected.entry.updatedAt)),
        guard: 'person-unchanged',
      },
    ];
    // The delegate is checked in the same transaction: two admins sending two people away at once,
    // each the other's delegate, cannot both pass "the delegate is not away themselves".
    if (expected.delegate)
      steps.push({
        op: this.table.check(
          keys.person(expected.delegate.email),
          ...unchangedSince(expected.delegate.updatedAt),
        ),
        guard: 'delegate-unchanged',
      });
    await this.table.withTrail([event], steps);
  }

  async listPeople(page?: PageRequest): Promise<Page<DirectoryPerson>> {
    const { items, cursor } = await this.table.listPage(keys.listing.people, page);
    return {
      items: items.map((i) => strip<DirectoryPerson>(i) as DirectoryPerson),
      ...(cursor ? { cursor } : {}),
    };
  }
}
