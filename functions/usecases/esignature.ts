import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError, TooManyAttemptsError, UnauthorizedError } from '../domain/errors.ts';
import { GUESSING_LIMITS, guessingWindow } from '../domain/guessing.ts';
import type { Problem } from '../domain/validation.ts';
import type { DecisionView } from './decisions.ts';
import type { RequestSource } from './model.ts';
import type { IdentityCheck, IdentityVerifier, Ports, SigningSession } from './ports.ts';
import { gateProject, nowIso, plusMs, projectEvent } from './shared.ts';

/**
 * A series of signings in one continuous session (21 CFR Part 11 §11.200(a)(1)(i)): the first
 * uses both components, later ones the password alone, for this long after the first.
 */
export const SIGNING_SESSION_MINUTES = 15;
export const SIGNING_COOKIE = 'tollgate_signing';

/** What the approver typed to sign, and the session their browser holds, if any. */
export interface SignatureProof {
  password?: string;
  code?: string;
  /** The signing session's secret (from its cookie). */
  session?: string;
}

/** How an e-signature was made: what the trail, the receipt and exports show. */
export interface ESignature {
  /** `password+code`: both components; `password (session)`: a later signing in a session. */
  method: 'password+code' | 'password (session)';
  /** The verified identity (the identity provider's subject). */
  identity: string;
  /** A new session, when this signing used both components: the cookie to set. */
  newSession?: { secret: string; expiresAt: string };
}

export type SignaturePorts = Pick<Ports, 'repository' | 'clock' | 'log'> & { identity: IdentityVerifier };

/** The password or code was not accepted; the page says so without saying which. */
export class SignatureRefusedError extends UnauthorizedError {
  override readonly name = 'SignatureRefusedError';
}

const REFUSALS: Record<Exclude<IdentityCheck, { ok: true }>['refused'], string> = {
  password: 'the password or the code was not accepted',
  code: 'the password or the code was not accepted (each code works once)',
  'not-enrolled':
    'you have no sign-in for e-signatures yet (or it is not set up: a password and an authenticator app); ask the PMO',
  identity: 'the identity you signed in with is not the approver this link was sent to',
};

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** The approver's signing session, if the browser holds one that is theirs and still open. */
export async function signingSessionFor(
  ports: Pick<Ports, 'repository' | 'clock'>,
  approver: string,
  secret: string | undefined,
): Promise<SigningSession | undefined> {
  if (!secret || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  const session = await ports.repository.getSigningSession(hashOf(secret));
  if (!session || session.email !== approver || session.expiresAt <= nowIso(ports)) return undefined;
  return session;
}

/**
 * Checks the e-signature of a gate marked `esignature`: never the link alone. Refused
 * attempts count per link and client address; past the limit that client waits (429), and
 * the lockout is recorded. Someone else's guessing never locks the approver out.
 */
export async function checkESignature(
  ports: SignaturePorts,
  view: DecisionView,
  proof: SignatureProof,
  source: RequestSource,
): Promise<ESignature> {
  const window = guessingWindow('signature', { ip: source.ip, linkHash: view.link.hash }, ports.clock.now());
  if ((await ports.repository.failures(window.counter)) >= window.limit)
    throw new TooManyAttemptsError(lockedMessage(window.retryAfterSeconds), window.retryAfterSeconds);

  const session = await signingSessionFor(ports, view.approver, proof.session);
  const problems = proofProblems(proof, { codeNeeded: !session });
  if (problems.length) throw new InvalidInputError('the e-signature has problems', problems);
  const password = proof.password as string;
  const code = proof.code ? proof.code : undefined;

  const check = await ports.identity.verify(view.approver, { password, ...(code ? { code } : {}) });
  const sub = check.ok ? (check.sub ?? session?.sub) : undefined;
  const person = check.ok ? await ports.repository.getPerson(view.approver) : undefined;
  const refused: Exclude<IdentityCheck, { ok: true }>['refused'] | undefined = !check.ok
    ? check.refused
    : !sub || (person?.sub !== undefined && person.sub !== sub)
      ? 'identity'
      : undefined;
  if (refused) {
    const count = await ports.repository.countFailure(window.counter, window.endsAt);
    if (count === window.limit) await recordLockout(ports, view, source, window.endsAt);
    throw new SignatureRefusedError(REFUSALS[refused]);
  }
  if (code) {
    const secret = randomBytes(32).toString('base64url');
    const startedAt = nowIso(ports);
    const expiresAt = plusMs(startedAt, SIGNING_SESSION_MINUTES * 60_000);
    await ports.repository.putSigningSession({
      hash: hashOf(secret),
      email: view.approver,
      sub: sub as string,
      startedAt,
      expiresAt,
    });
    return { method: 'password+code', identity: sub as string, newSession: { secret, expiresAt } };
  }
  return { method: 'password (session)', identity: sub as string };
}

function proofProblems(proof: SignatureProof, options: { codeNeeded: boolean }): Problem[] {
  const problems: Problem[] = [];
  if (!proof.password) problems.push({ path: 'esignature.password', message: 'enter your password to sign' });
  else if (proof.password.length > 200)
    problems.push({ path: 'esignature.password', message: 'must be at most 200 characters' });
  if (proof.code ? !/^\d{6}$/.test(proof.code) : options.codeNeeded)
    problems.push({
      path: 'esignature.code',
      message: 'enter the 6-digit code your authenticator app shows now',
    });
  return problems;
}

function lockedMessage(seconds: number): string {
  return `too many refused signing attempts from here; try again in ${Math.ceil(seconds / 60)} minutes`;
}

/** The moment a client reaches the limit on a link: on the project's trail, once per window. */
async function recordLockout(
  ports: SignaturePorts,
  view: DecisionView,
  source: RequestSource,
  until: string,
) {
  try {
    await ports.repository.appendTrail([
      projectEvent(gateProject(view.gate), 'access.locked-out', {
        at: nowIso(ports),
        // Whoever holds the link: not necessarily the approver.
        actor: { type: 'person', id: 'anonymous' },
        gate: view.gate,
        source,
        detail: {
          approver: view.approver,
          reason: 'refused e-signatures',
          failures: GUESSING_LIMITS.signature.failures,
          until,
        },
      }),
    ]);
  } catch (error) {
    ports.log.warn('lockout not recorded', { error: error instanceof Error ? error.name : 'unknown' });
  }
}
