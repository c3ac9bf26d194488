import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GUESSING_LIMITS, type GuessingScope, guessingWindow } from '../../functions/domain/guessing.ts';

const scopes = fc.constantFrom<GuessingScope>('unknownLinks', 'signature');
const instants = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2100, 0, 1) })
  .map((ms) => new Date(ms));
const ips = fc.oneof(fc.ipV4(), fc.ipV6());

describe('guessing windows', () => {
  it('waits at least a second and at most one window, and expires when it says', () => {
    fc.assert(
      fc.property(scopes, ips, instants, (scope, ip, now) => {
        const window = guessingWindow(scope, { ip }, now);
        const seconds = GUESSING_LIMITS[scope].windowSeconds;
        expect(window.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(window.retryAfterSeconds).toBeLessThanOrEqual(seconds);
        expect(Date.parse(window.endsAt) - now.getTime()).toBeLessThanOrEqual(seconds * 1000);
        expect(Date.parse(window.endsAt)).toBeGreaterThan(now.getTime());
        expect(window.limit).toBe(GUESSING_LIMITS[scope].failures);
      }),
    );
  });

  it('counts one client in one counter for the whole window, and a new one after it', () => {
    fc.assert(
      fc.property(scopes, ips, instants, (scope, ip, now) => {
        const window = guessingWindow(scope, { ip }, now);
        const later = new Date(Date.parse(window.endsAt) - 1);
        expect(guessingWindow(scope, { ip }, later).counter).toBe(window.counter);
        expect(guessingWindow(scope, { ip }, new Date(window.endsAt)).counter).not.toBe(window.counter);
      }),
    );
  });

  it('keeps clients, links and scopes apart, and never puts the address in the key', () => {
    fc.assert(
      fc.property(ips, ips, instants, (a, b, now) => {
        fc.pre(a !== b);
        const mine = guessingWindow('signature', { ip: a, linkHash: 'l1' }, now);
        expect(guessingWindow('signature', { ip: b, linkHash: 'l1' }, now).counter).not.toBe(mine.counter);
        expect(guessingWindow('signature', { ip: a, linkHash: 'l2' }, now).counter).not.toBe(mine.counter);
        expect(guessingWindow('unknownLinks', { ip: a }, now).counter.startsWith('unknownLinks#')).toBe(true);
        expect(mine.counter).not.toContain(a);
        expect(mine.counter.length).toBeLessThan(100);
      }),
    );
  });
});
