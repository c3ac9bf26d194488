import * as z from 'zod/mini';

/**
 * Text that people type flows into e-mails and pages. Characters that are invisible, that break a
 * header or a line, or that reorder what a reader sees (the "Trojan Source" trick) are refused here,
 * once, so that no template has to guess.
 */

/** `isWellFormed` is ES2024; Node 22 has it, the project's `lib` (ES2023) does not declare it. */
type MaybeWellFormed = string & { isWellFormed(): boolean };

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** C0 controls, DEL and C1 controls (NEL, U+0085, included: it is a line break only to some readers). */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * Embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069) change the order a reader sees.
 * The marks LRM and RLM (U+200E, U+200F) only hint at direction and are needed in real Hebrew or
 * Arabic text, so they stay.
 */
function isBidiControl(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** What is wrong with a text, for a person to read after the field's name; undefined when it is safe. */
export function textProblem(value: string, options: { oneLine: boolean }): string | undefined {
  if (!(value as MaybeWellFormed).isWellFormed()) return 'is not well-formed Unicode (a lone surrogate)';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isLineBreak(code)) {
      if (options.oneLine) return 'must be one line (no line breaks)';
      // U+2028 and U+2029 are not controls; CR and LF are fine in multi-line text.
      continue;
    }
    if (code === 0x09 && !options.oneLine) continue;
    if (isControl(code)) return `contains a control character (${codePoint(code)})`;
    if (isBidiControl(code)) return `contains a bidirectional override character (${codePoint(code)})`;
  }
  return undefined;
}

function safeString(min: number, max: number, oneLine: boolean) {
  return z.string().check(
    z.trim(),
    z.minLength(min),
    z.maxLength(max),
    z.superRefine((value: string, ctx) => {
      const problem = textProblem(value, { oneLine });
      if (problem !== undefined) ctx.addIssue(problem);
    }),
  );
}

/** A trimmed single line (a title, a label, a choice): no line breaks, tabs or hidden controls. */
export const safeLine = (min: number, max: number) => safeString(min, max, true);

/** A trimmed multi-line text (a summary, a comment): line breaks and tabs allowed, hidden controls not. */
export const safeText = (min: number, max: number) => safeString(min, max, false);
