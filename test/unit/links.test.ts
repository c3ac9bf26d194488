import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashLinkSecret, looksLikeLinkSecret, newLinkSecret } from '../../functions/domain/links.ts';

const RUNS = { numRuns: 200 };
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64urlChar = fc.constantFrom(...BASE64URL.split(''));
const base64urlString = (constraints: { minLength?: number; maxLength?: number }) =>
  fc.array(base64urlChar, constraints).map((chars) => chars.join(''));

describe('newLinkSecret', () => {
  it('makes a 43-character base64url secret carrying 256 random bits', () => {
    // Prepare — nothing to prepare: the secret is random

    // Act
    const { secret } = newLinkSecret();

    // Assess
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(looksLikeLinkSecret(secret)).toBe(true);
  });

  it('keeps only the sha256 hex of the secret, never the secret itself', () => {
    // Prepare
    const { secret, hash } = newLinkSecret();

    // Act
    const expected = createHash('sha256').update(secret).digest('hex');

    // Assess
    expect(hash).toBe(expected);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash.includes(secret)).toBe(false);
  });

  it('never repeats a secret or its hash', () => {
    // Prepare
    const count = 500;

    // Act
    const links = Array.from({ length: count }, () => newLinkSecret());

    // Assess
    expect(new Set(links.map((l) => l.secret)).size).toBe(count);
    expect(new Set(links.map((l) => l.hash)).size).toBe(count);
  });
});

describe('hashLinkSecret', () => {
  it('is the sha256 hex of the secret', () => {
    // Prepare
    const secret = 'abc';

    // Act
    const hash = hashLinkSecret(secret);

    // Assess
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('property: 64 lower-case hex, the same for the same secret, different for different secrets', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        // Prepare
        fc.pre(a !== b);

        // Act
        const hashA = hashLinkSecret(a);
        const hashAAgain = hashLinkSecret(a);
        const hashB = hashLinkSecret(b);

        // Assess
        expect(hashA).toMatch(/^[0-9a-f]{64}$/);
        expect(hashAAgain).toBe(hashA);
        expect(hashB).not.toBe(hashA);
      }),
      RUNS,
    );
  });
});

describe('looksLikeLinkSecret', () => {
  it.each([
    ['empty', ''],
    ['42 characters', 'A'.repeat(42)],
    ['44 characters', 'A'.repeat(44)],
    ['standard base64 "+"', `${'A'.repeat(42)}+`],
    ['standard base64 "/"', `${'A'.repeat(42)}/`],
    ['padding "="', `${'A'.repeat(42)}=`],
    ['a trailing newline', `${'A'.repeat(43)}\n`],
    ['a leading space', ` ${'A'.repeat(42)}`],
    ['a path traversal', `../${'A'.repeat(40)}`],
    ['a sha256 hex hash (64 chars)', 'a'.repeat(64)],
  ])('rejects %s', (_name, candidate) => {
    // Prepare — candidate

    // Act
    const accepted = looksLikeLinkSecret(candidate);

    // Assess
    expect(accepted).toBe(false);
  });

  it('property: accepts any 43 base64url characters', () => {
    fc.assert(
      fc.property(base64urlString({ minLength: 43, maxLength: 43 }), (candidate) => {
        // Prepare — candidate

        // Act
        const accepted = looksLikeLinkSecret(candidate);

        // Assess
        expect(accepted).toBe(true);
      }),
      RUNS,
    );
  });

  it('property: rejects base64url strings of any other length', () => {
    fc.assert(
      fc.property(base64urlString({ maxLength: 100 }), (candidate) => {
        // Prepare
        fc.pre(candidate.length !== 43);

        // Act
        const accepted = looksLikeLinkSecret(candidate);

        // Assess
        expect(accepted).toBe(false);
      }),
      RUNS,
    );
  });

  it('property: rejects 43 characters with any character outside base64url', () => {
    fc.assert(
      fc.property(
        base64urlString({ minLength: 42, maxLength: 42 }),
        fc
          .integer({ min: 0, max: 0xffff })
          .map((code) => String.fromCharCode(code))
          .filter((c) => !BASE64URL.includes(c)),
        fc.nat({ max: 42 }),
        (rest, intruder, at) => {
          // Prepare
          const candidate = rest.slice(0, at) + intruder + rest.slice(at);
          expect(candidate).toHaveLength(43);

          // Act
          const accepted = looksLikeLinkSecret(candidate);

          // Assess
          expect(accepted).toBe(false);
        },
      ),
      RUNS,
    );
  });
});
