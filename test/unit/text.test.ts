import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { safeLine, safeText, textProblem } from '../../functions/domain/text.ts';
import { parseWith } from '../../functions/domain/validation.ts';

const ONE_LINE = { oneLine: true };
const MULTI_LINE = { oneLine: false };

/** Any UTF-16 code unit, lone surrogates included: what a JSON body can carry. */
const codeUnitArb = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const FORBIDDEN = ['\u0000', '\u001b', '\u007f', '\u0085', '\u009f', '\u202e', '\u2066', '\ud800'];

describe('textProblem', () => {
  it.each([
    ['plain text', 'New CRM for the sales team'],
    ['accents and other scripts', 'Café Zürich – Ελληνικά – 日本語'],
    ['emoji, including joined ones', 'Launch 🚀 👩‍💻'],
    ['the direction marks LRM and RLM', 'abc\u200edef\u200f'],
    ['an empty string', ''],
  ])('accepts %s on one line and in multi-line text', (_name, value) => {
    // Prepare — value

    // Act
    const problems = [textProblem(value, ONE_LINE), textProblem(value, MULTI_LINE)];

    // Assess
    expect(problems).toEqual([undefined, undefined]);
  });

  it.each([
    ['LF', 'a\nb'],
    ['CRLF', 'a\r\nb'],
    ['CR', 'a\rb'],
    ['a tab', 'a\tb'],
    ['U+2028 (line separator)', 'a\u2028b'],
    ['U+2029 (paragraph separator)', 'a\u2029b'],
  ])('accepts %s in multi-line text', (_name, value) => {
    // Prepare — value

    // Act
    const problem = textProblem(value, MULTI_LINE);

    // Assess
    expect(problem).toBeUndefined();
  });

  it.each([
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['U+2028', 'a\u2028b'],
    ['U+2029', 'a\u2029b'],
  ])('refuses %s on one line', (_name, value) => {
    // Prepare — value

    // Act
    const problem = textProblem(value, ONE_LINE);

    // Assess
    expect(problem).toBe('must be one line (no line breaks)');
  });

  it('refuses a tab on one line as a control character', () => {
    // Prepare
    const value = 'a\tb';

    // Act
    const problem = textProblem(value, ONE_LINE);

    // Assess
    expect(problem).toBe('contains a control character (U+0009)');
  });

  it.each([
    ['\u0000', 'U+0000'],
    ['\u0007', 'U+0007'],
    ['\u000b', 'U+000B'],
    ['\u000c', 'U+000C'],
    ['\u001b', 'U+001B'],
    ['\u001f', 'U+001F'],
    ['\u007f', 'U+007F'],
    ['\u0080', 'U+0080'],
    ['\u0085', 'U+0085'],
    ['\u009f', 'U+009F'],
  ])('refuses the control character %j, naming it as %s', (char, name) => {
    // Prepare
    const value = `before${char}after`;

    // Act
    const problems = [textProblem(value, ONE_LINE), textProblem(value, MULTI_LINE)];

    // Assess
    expect(problems).toEqual([
      `contains a control character (${name})`,
      `contains a control character (${name})`,
    ]);
  });

  it.each(['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'])(
    'refuses the bidirectional formatting character %j',
    (char) => {
      // Prepare
      const value = `invoice${char}fdp.exe`;
      const name = `U+${char.charCodeAt(0).toString(16).toUpperCase()}`;

      // Act
      const problem = textProblem(value, MULTI_LINE);

      // Assess
      expect(problem).toBe(`contains a bidirectional override character (${name})`);
    },
  );

  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate inside text', 'a\udc00b'],
    ['a pair in the wrong order', '\udc00\ud800'],
  ])('refuses %s as not well-formed', (_name, value) => {
    // Prepare — value

    // Act
    const problem = textProblem(value, MULTI_LINE);

    // Assess
    expect(problem).toBe('is not well-formed Unicode (a lone surrogate)');
  });

  it('names the first problem in the text', () => {
    // Prepare
    const value = 'a\u202eb\u0000c';

    // Act
    const problem = textProblem(value, MULTI_LINE);

    // Assess
    expect(problem).toBe('contains a bidirectional override character (U+202E)');
  });

  it('property: never throws; anything fine on one line is fine in multi-line text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(codeUnitArb, fc.constantFrom(...FORBIDDEN)) }), (value) => {
        // Prepare — value

        // Act
        const oneLine = textProblem(value, ONE_LINE);
        const multiLine = textProblem(value, MULTI_LINE);

        // Assess
        if (oneLine === undefined) expect(multiLine).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('property: a forbidden character anywhere in otherwise printable text is always found', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom(...FORBIDDEN),
        fc.nat(),
        (text, forbidden, at) => {
          // Prepare
          const position = at % (text.length + 1);
          const value = text.slice(0, position) + forbidden + text.slice(position);

          // Act
          const problem = textProblem(value, MULTI_LINE);

          // Assess
          expect(problem).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('safeLine and safeText', () => {
  const titled = z.strictObject({ title: safeLine(3, 200) });
  const summarised = z.strictObject({ summary: safeText(1, 50) });

  it('trims a line and accepts it', () => {
    // Prepare
    const input = { title: '  New CRM \n' };

    // Act
    const result = parseWith(titled, input);

    // Assess
    expect(result).toEqual({ ok: true, value: { title: 'New CRM' } });
  });

  it('refuses a control character on the field, with the message of textProblem', () => {
    // Prepare
    const input = { title: 'a\u0000bc' };

    // Act
    const result = parseWith(titled, input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'title', message: 'contains a control character (U+0000)' }],
    });
  });

  it('refuses a lone surrogate', () => {
    // Prepare
    const input = { title: 'abc\ud800' };

    // Act
    const result = parseWith(titled, input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'title', message: 'is not well-formed Unicode (a lone surrogate)' }],
    });
  });

  it('refuses a line break inside a line', () => {
    // Prepare
    const input = { title: 'New\nCRM' };

    // Act
    const result = parseWith(titled, input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'title', message: 'must be one line (no line breaks)' }],
    });
  });

  it('accepts line breaks and tabs inside a text, trimmed at the ends', () => {
    // Prepare
    const input = { summary: '\n First line.\n\tSecond line.  ' };

    // Act
    const result = parseWith(summarised, input);

    // Assess
    expect(result).toEqual({ ok: true, value: { summary: 'First line.\n\tSecond line.' } });
  });

  it.each([
    ['too short once trimmed', { title: '  ab  ' }],
    ['too long', { title: 'x'.repeat(201) }],
    ['not a string', { title: 42 }],
  ])('refuses a line %s on its field', (_name, input) => {
    // Prepare — input

    // Act
    const result = parseWith(titled, input);

    // Assess
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['title']);
  });

  it('refuses a bidirectional override in a text', () => {
    // Prepare
    const input = { summary: 'pay \u202Eexe.pdf' };

    // Act
    const result = parseWith(summarised, input);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'summary', message: 'contains a bidirectional override character (U+202E)' }],
    });
  });
});
