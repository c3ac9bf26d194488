import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEmail, DEFAULT_SUBADDRESS_DOMAINS, sameperson } from '../../functions/domain/email.ts';

const DOMAINS = DEFAULT_SUBADDRESS_DOMAINS;

/** Addresses as people type them: mixed case, maybe a tag, maybe padded, on listed and other domains. */
const addressArb = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9]{1,8}(\.[A-Za-z0-9]{1,5})?$/),
    fc.option(fc.stringMatching(/^\+[A-Za-z0-9+]{0,6}$/), { nil: undefined }),
    fc.oneof(
      fc.constantFrom(...DOMAINS, 'Gmail.COM', 'corp.test'),
      fc.stringMatching(/^[a-z0-9]{1,8}\.[a-z]{2,4}$/),
    ),
    fc.constantFrom('', ' ', '\t'),
  )
  .map(([local, tag, domain, pad]) => `${pad}${local}${tag ?? ''}@${domain}${pad}`);

describe('canonicalEmail', () => {
  it.each([
    ['trims and lower-cases', '  Sam.Sponsor@Example.COM ', 'sam.sponsor@example.com'],
    ['drops a tag on a listed domain', 'Riley.Requester+test@Example.com', 'riley.requester@example.com'],
    ['drops everything from the first +', 'riley+a+b@gmail.com', 'riley@gmail.com'],
    ['keeps a tag on a domain not listed', 'Riley+test@Corp.test', 'riley+test@corp.test'],
    ['keeps dots, which only some providers ignore', 'r.i.ley@gmail.com', 'r.i.ley@gmail.com'],
    ['keeps a local part that starts with +', '+ops@gmail.com', '+ops@gmail.com'],
    ['lower-cases a string without @', ' Not An Address ', 'not an address'],
    ['uses the last @ for the domain', '"a@b"+x@gmail.com', '"a@b"@gmail.com'],
    ['does not treat a + in the domain as a tag', 'riley@gm+ail.com', 'riley@gm+ail.com'],
  ])('%s', (_name, address, expected) => {
    // Prepare — address

    // Act
    const canonical = canonicalEmail(address, DOMAINS);

    // Assess
    expect(canonical).toBe(expected);
  });

  it('compares the listed domains without regard to case', () => {
    // Prepare
    const domains = ['Corp.TEST'];

    // Act
    const canonical = canonicalEmail('riley+x@corp.test', domains);

    // Assess
    expect(canonical).toBe('riley@corp.test');
  });

  it('drops no tag when no domain is listed', () => {
    // Prepare
    const domains: string[] = [];

    // Act
    const canonical = canonicalEmail('Riley+x@Example.com', domains);

    // Assess
    expect(canonical).toBe('riley+x@example.com');
  });

  it('lists the well-known sub-addressing providers by default', () => {
    // Prepare — the default list

    // Act
    const domains = [...DEFAULT_SUBADDRESS_DOMAINS];

    // Assess
    expect(domains).toEqual([
      'example.com',
      'gmail.com',
      'googlemail.com',
      'outlook.com',
      'hotmail.com',
      'icloud.com',
      'fastmail.com',
      'proton.me',
    ]);
  });

  it('property: is idempotent, for addresses and for any string', () => {
    fc.assert(
      fc.property(fc.oneof(addressArb, fc.string({ unit: 'binary' })), (address) => {
        // Prepare
        const once = canonicalEmail(address, DOMAINS);

        // Act
        const twice = canonicalEmail(once, DOMAINS);

        // Assess
        expect(twice).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('property: changing the case of any letters never changes the canonical form', () => {
    fc.assert(
      fc.property(addressArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), (address, flags) => {
        // Prepare
        const recased = [...address]
          .map((c, i) => (flags[i % flags.length] ? c.toUpperCase() : c.toLowerCase()))
          .join('');

        // Act
        const canonical = canonicalEmail(recased, DOMAINS);

        // Assess
        expect(canonical).toBe(canonicalEmail(address, DOMAINS));
      }),
      { numRuns: 500 },
    );
  });
});

describe('sameperson', () => {
  it.each([
    ['the same address in another case', 'Riley.Requester@Example.com', 'riley.requester@example.com', true],
    [
      'a tagged address on a listed domain',
      'Riley.Requester+test@Example.com',
      'riley.requester@example.com',
      true,
    ],
    ['two tags of one mailbox', 'sam+a@gmail.com', 'SAM+b@gmail.com', true],
    ['a tagged address on a domain not listed', 'riley+test@corp.test', 'riley@corp.test', false],
    ['two different people', 'riley@example.com', 'sam@example.com', false],
    ['one name on two domains', 'riley@example.com', 'riley@gmail.com', false],
  ])('%s → %s', (_name, a, b, expected) => {
    // Prepare — a and b

    // Act
    const same = sameperson(a, b, DOMAINS);

    // Assess
    expect(same).toBe(expected);
  });

  it('property: is symmetric and reflexive', () => {
    fc.assert(
      fc.property(addressArb, addressArb, (a, b) => {
        // Prepare — a and b

        // Act
        const ab = sameperson(a, b, DOMAINS);
        const ba = sameperson(b, a, DOMAINS);

        // Assess
        expect(ab).toBe(ba);
        expect(sameperson(a, a, DOMAINS)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('property: an address and its tagged form on a listed domain are the same person', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{1,8}$/),
        fc.stringMatching(/^[a-z0-9]{0,6}$/),
        fc.constantFrom(...DOMAINS),
        (local, tag, domain) => {
          // Prepare
          const plain = `${local}@${domain}`;
          const tagged = `${local}+${tag}@${domain.toUpperCase()}`;

          // Act
          const same = sameperson(plain, tagged, DOMAINS);

          // Assess
          expect(same).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
