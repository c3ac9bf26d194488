// Who may reach the local runtime: the peer check and the Host check, as pure functions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostAuthorities, isLoopback, isLoopbackHost, isOwnHost } from '../../infra/local/loopback.ts';

const RUNS = { numRuns: 300 };
const octet = fc.integer({ min: 0, max: 255 });
const group = fc.integer({ min: 0, max: 0xffff });
const hex = (n: number) => n.toString(16);

describe('isLoopback (a socket peer)', () => {
  it('takes every address of 127.0.0.0/8, plain or IPv4-mapped', () => {
    fc.assert(
      fc.property(octet, octet, octet, (b, c, d) => {
        // Prepare
        const address = `127.${b}.${c}.${d}`;

        // Act
        const answers = [address, `::ffff:${address}`, `::FFFF:${address}`].map(isLoopback);

        // Assess
        expect(answers).toEqual([true, true, true]);
      }),
      RUNS,
    );
  });

  it('refuses every IPv4 address outside 127.0.0.0/8, plain or mapped', () => {
    fc.assert(
      fc.property(
        octet.filter((a) => a !== 127),
        octet,
        octet,
        octet,
        (a, b, c, d) => {
          // Prepare
          const address = `${a}.${b}.${c}.${d}`;

          // Act
          const answers = [address, `::ffff:${address}`].map(isLoopback);

          // Assess
          expect(answers).toEqual([false, false]);
        },
      ),
      RUNS,
    );
  });

  it('takes an IPv6 address exactly when it is ::1 or a mapped 127.0.0.0/8, in any spelling', () => {
    const ipv6 = fc.oneof(
      fc.array(group, { minLength: 8, maxLength: 8 }),
      fc.constant([0, 0, 0, 0, 0, 0, 0, 1]),
      fc.tuple(group, group).map(([g7, g8]) => [0, 0, 0, 0, 0, 0xffff, 0x7f00 | (g7 & 0xff), g8]),
    );
    fc.assert(
      fc.property(ipv6, fc.boolean(), (groups, padded) => {
        // Prepare: the full form, with or without leading zeros
        const address = groups.map((g) => (padded ? hex(g).padStart(4, '0') : hex(g))).join(':');
        const isOne = groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
        const isMapped127 =
          groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && (groups[6] ?? 0) >> 8 === 0x7f;

        // Act
        const answer = isLoopback(address);

        // Assess
        expect(answer).toBe(isOne || isMapped127);
      }),
      RUNS,
    );
  });

  it('refuses anything that is not an IP address: names, empty, absent', () => {
    fc.assert(
      fc.property(fc.domain(), (name) => {
        // Act
        const answers = [name, `127.0.0.1.${name}`, `${name}.127.0.0.1`].map(isLoopback);

        // Assess
        expect(answers).toEqual([false, false, false]);
      }),
      RUNS,
    );
    expect(['localhost', '', '127.1', '2130706433', '[::1]'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isLoopback(undefined)).toBe(false);
  });
});

describe('isLoopbackHost (the --host to bind)', () => {
  it('takes localhost and loopback addresses; wildcards, LAN addresses and other names are not loopback', () => {
    // Act
    const loopback = ['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST', '::1', '[::1]'].map(isLoopbackHost);
    const exposed = ['0.0.0.0', '::', '192.0.2.2', 'fd00::2', 'example.com', 'localhost.example.com'].map(
      isLoopbackHost,
    );

    // Assess
    expect(loopback.every(Boolean)).toBe(true);
    expect(exposed.some(Boolean)).toBe(false);
  });
});

describe('isOwnHost (DNS rebinding)', () => {
  it('on loopback, answers to the bound address, 127.0.0.1, localhost and [::1] on its own port only', () => {
    // Prepare
    const own = hostAuthorities('127.0.0.1', 3000);

    // Act
    const accepted = ['127.0.0.1:3000', 'localhost:3000', 'LocalHost:3000', '[::1]:3000'].map((h) =>
      isOwnHost(h, own),
    );
    const refused = [
      undefined,
      '',
      'localhost',
      'localhost:3001',
      '127.0.0.1:80',
      '127.1:3000',
      '2130706433:3000',
      'evil.example@127.0.0.1:3000',
      '127.0.0.1:3000.evil.example',
      '[0:0:0:0:0:0:0:1]:3000',
    ].map((h) => isOwnHost(h, own));

    // Assess
    expect(accepted).toEqual([true, true, true, true]);
    expect(refused.some(Boolean)).toBe(false);
  });

  it('refuses every other name, on loopback and on a network address alike', () => {
    const bound = [hostAuthorities('127.0.0.1', 8005), hostAuthorities('192.0.2.2', 8005)];
    fc.assert(
      fc.property(
        fc.domain().filter((d) => d !== 'localhost'),
        fc.constantFrom('', ':8005', ':80'),
        (name, port) => {
          // Act
          const answers = bound.map((own) => isOwnHost(`${name}${port}`, own));

          // Assess
          expect(answers).toEqual([false, false]);
        },
      ),
      RUNS,
    );
  });

  it('on a network address, answers to that address only: its loopback names are not served there', () => {
    // Prepare
    const own = hostAuthorities('192.0.2.2', 3000);

    // Act
    const answers = ['192.0.2.2:3000', '127.0.0.1:3000', 'localhost:3000', '[::1]:3000'].map((h) =>
      isOwnHost(h, own),
    );

    // Assess
    expect(answers).toEqual([true, false, false, false]);
  });

  it('on a wildcard address, answers to loopback and to each address of this machine', () => {
    // Prepare
    const own = hostAuthorities('0.0.0.0', 3000);

    // Act
    const answers = ['0.0.0.0:3000', '127.0.0.1:3000', 'localhost:3000', 'evil.example:3000'].map((h) =>
      isOwnHost(h, own),
    );

    // Assess
    expect(answers).toEqual([true, true, true, false]);
  });

  it('on port 80, also answers to the bare name a browser sends', () => {
    // Act
    const own = hostAuthorities('localhost', 80);

    // Assess
    expect(isOwnHost('localhost', own)).toBe(true);
    expect(isOwnHost('localhost:80', own)).toBe(true);
  });
});
