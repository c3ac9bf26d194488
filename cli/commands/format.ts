import { type Command, InvalidArgumentError, Option } from 'commander';
import { isJsonMode } from './errors.ts';

/*
 * What the admin commands share: aligned tables and short sentences for people, one JSON
 * document for scripts, and the argument checks that make a bad command line exit 2 before
 * anything is sent.
 */

/** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Prints `doc` as one JSON document with --json; otherwise runs `human`. */
export function output(doc: unknown, human: () => void): void {
  if (isJsonMode()) console.log(JSON.stringify(doc));
  else human();
}

/** `2025-03-10 14:02 UTC`: minutes are enough for people; --json keeps the exact instant. */
export function when(iso: string | undefined): string {
  if (!iso) return '-';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Someone the API names: an e-mail, or an actor object (name, e-mail, id). */
export function who(someone: unknown): string {
  if (typeof someone === 'string') return someone;
  if (someone && typeof someone === 'object') {
    const { email, name, id, sub } = someone as Record<string, unknown>;
    const shown = [email, id, sub, name].find((v) => typeof v === 'string' && v !== '');
    if (typeof shown === 'string') return shown;
  }
  return '-';
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** Hours as people read them: `36h`, `3d 4h`. */
export function age(hours: number | undefined): string {
  if (hours === undefined || !Number.isFinite(hours)) return '-';
  const h = Math.floor(hours);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d${h % 24 ? ` ${h % 24}h` : ''}`;
}

/** Adds `Examples:` to a command's help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
}

/** `--reason "…"`: every change says why; the text goes into the trail. */
export const reasonOption = (mandatory = true) => {
  const option = new Option('--reason <text>', 'why (kept in the audit trail)').argParser(
    nonEmpty('--reason'),
  );
  return mandatory ? option.makeOptionMandatory() : option;
};

export const jsonOption = () => new Option('--json', 'print one JSON document instead of text');

const nonEmpty = (what: string) => (value: string) => {
  if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be empty`);
  return value;
};

/** An e-mail address (the API checks it too; this catches a swapped argument before the call). */
export function email(value: string): string {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) || value.length > 254)
    throw new InvalidArgumentError(`${value} is not an e-mail address`);
  return value.toLowerCase();
}

/** Repeatable e-mail option. */
export const emails = (value: string, previous: string[] = []) => [...previous, email(value)];

/** A whole number from 1: a gate instance's sequence, a version, a page size. */
export function positive(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`${value} is not a whole number from 1`);
  return n;
}

/** A date and time (ISO 8601 with a zone, e.g. 2025-03-10T17:00:00Z); given back in UTC. */
export function instant(value: string): string {
  const ms = Date.parse(value);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ||
    !/(Z|[+-]\d{2}:?\d{2})$/i.test(value) ||
    Number.isNaN(ms)
  )
    throw new InvalidArgumentError(`${value} is not a date and time with a zone (e.g. 2025-03-10T17:00:00Z)`);
  return new Date(ms).toISOString();
}

/** A calendar date, YYYY-MM-DD (UTC). */
export function day(value: string): string {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(ms) ||
    new Date(ms).toISOString().slice(0, 10) !== value
  )
    throw new InvalidArgumentError(`${value} is not a date (YYYY-MM-DD)`);
  return value;
}

/** A duration: `48h`, `2d`, `90m`, `1d12h`; in milliseconds. */
export function duration(value: string): number {
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(value);
  const [, d = '0', h = '0', m = '0'] = match ?? [];
  const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000;
  if (!match || ms <= 0) throw new InvalidArgumentError(`${value} is not a duration (e.g. 48h, 2d, 1d12h)`);
  return ms;
}

/** Path segments are the API's to check; encoding keeps a stray `/` or `?` from changing the route. */
export const segment = (value: string | number) => encodeURIComponent(String(value));
