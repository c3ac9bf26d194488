/**
 * Separation of duties asks "is this the same person?", and `Riley@Example.com` and
 * `riley+ops@example.com` reach the same mailbox. Comparing canonical forms closes that gap.
 */

/**
 * Domains whose mail service delivers `local+tag@domain` to `local@domain`. example.com stands in for
 * the organisation's own domain in tests and samples; deployments pass their own list.
 */
export const DEFAULT_SUBADDRESS_DOMAINS: readonly string[] = [
  'example.com',
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'icloud.com',
  'fastmail.com',
  'proton.me',
];

/**
 * The address in the form used to compare people: trimmed, lower-cased, and without a `+tag` where the
 * domain is known to deliver sub-addresses to the main mailbox. Only the tag goes: dots stay, since
 * only some providers ignore them. A local part that starts with `+` is left whole, so that the
 * result is never an address without a mailbox.
 */
export function canonicalEmail(address: string, subaddressDomains: readonly string[]): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return lower;
  const local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus <= 0 || !subaddressDomains.some((d) => d.toLowerCase() === domain)) return lower;
  return `${local.slice(0, plus)}@${domain}`;
}

/** Whether two addresses reach the same person's mailbox (as far as can be told without asking). */
export function sameperson(a: string, b: string, subaddressDomains: readonly string[]): boolean {
  return canonicalEmail(a, subaddressDomains) === canonicalEmail(b, subaddressDomains);
}
