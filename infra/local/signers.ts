import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { strip, type Table } from '../../functions/adapters/dynamodb/table.ts';
import { systemClock } from '../../functions/adapters/environment.ts';
import { keys } from '../../functions/adapters/keys.ts';
import { CHAINS } from '../../functions/domain/trail.ts';
import type { IdentityCheck, IdentityVerifier } from '../../functions/usecases/ports.ts';

/**
 * The local sign-in for e-signatures (the local runtime only: it hands the handlers this
 * verifier through LOCAL_IDENTITY, so no Lambda bundle carries it): a password (scrypt) and a TOTP authenticator (RFC 6238,
 * any standard app), enrolled per person on the local runtime. Each one-time code is accepted
 * once: a code seen over a shoulder cannot sign again.
 */
export interface LocalCredential {
  email: string;
  /** The local identity's subject. */
  sub: string;
  /** `scrypt$N$r$p$salt$hash`, base64 parts. */
  passwordHash: string;
  /** Base32 TOTP secret. */
  totpSecret: string;
  /** The last TOTP time step accepted. */
  lastStep?: number;
  enrolledAt: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;
const ISSUER = 'tollgate';
/** One step either side: a code typed as it rolls over still counts. */
const CODE_WINDOW = 1;
export const MIN_PASSWORD_LENGTH = 12;

function totp(email: string, secret: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: email,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  });
}

function scryptHash(password: string, salt: Buffer, params: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keyLength, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptHash(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export class LocalIdentityVerifier implements IdentityVerifier {
  constructor(
    private readonly table: Table,
    private readonly now: () => Date = () => systemClock.now(),
  ) {}

  async verify(approver: string, proof: { password: string; code?: string }): Promise<IdentityCheck> {
    const credential = strip<LocalCredential>(await this.table.get(keys.localCredential(approver)));
    if (!credential) return { ok: false, refused: 'not-enrolled' };
    if (!(await passwordMatches(proof.password, credential.passwordHash)))
      return { ok: false, refused: 'password' };
    if (proof.code === undefined) return { ok: true };
    const timestamp = this.now().getTime();
    const delta = totp(approver, credential.totpSecret).validate({
      token: proof.code,
      timestamp,
      window: CODE_WINDOW,
    });
    if (delta === null) return { ok: false, refused: 'code' };
    const step = Math.floor(timestamp / 30_000) + delta;
    try {
      await this.table.transact([
        {
          op: this.table.update(keys.localCredential(approver), {
            set: { lastStep: step },
            condition: 'attribute_not_exists(lastStep) OR lastStep < :step',
            values: { ':step': step },
          }),
        },
      ]);
    } catch (error) {
      // Used already (a replay), or a concurrent signing took it first.
      if (error instanceof Error && error.name === 'TransactionCanceledException')
        return { ok: false, refused: 'code' };
      throw error;
    }
    return { ok: true, sub: credential.sub };
  }
}

/**
 * Enrols (or re-enrols) a person for local e-signatures: stores the password's hash and a new
 * TOTP secret, and returns what an authenticator app needs (the otpauth:// URI and the secret).
 */
export async function enrolLocalSigner(
  table: Table,
  args: { email: string; password: string; now?: Date },
): Promise<{ sub: string; otpauthUri: string; secret: string }> {
  if (args.password.length < MIN_PASSWORD_LENGTH || args.password.length > 200)
    throw new RangeError(`the password must be ${MIN_PASSWORD_LENGTH} to 200 characters`);
  const salt = randomBytes(16);
  const hash = await scryptHash(args.password, salt, SCRYPT);
  const secret = new Secret({ size: 20 }).base32;
  const existing = strip<LocalCredential>(await table.get(keys.localCredential(args.email)));
  const credential: LocalCredential = {
    email: args.email,
    sub: existing?.sub ?? randomUUID(),
    passwordHash: [
      'scrypt',
      SCRYPT.N,
      SCRYPT.r,
      SCRYPT.p,
      salt.toString('base64'),
      hash.toString('base64'),
    ].join('$'),
    totpSecret: secret,
    enrolledAt: (args.now ?? new Date()).toISOString(),
  };
  // Who can sign is part of the record: the enrolment joins the people chain (never the secrets).
  await table.withTrail(
    [
      {
        chain: CHAINS.people,
        subject: { person: args.email },
        at: credential.enrolledAt,
        actor: { type: 'system', id: 'local-console' },
        action: existing ? 'signer.re-enrolled' : 'signer.enrolled',
        detail: { method: 'password+totp', sub: credential.sub },
      },
    ],
    [{ op: table.put({ ...keys.localCredential(args.email), type: 'local-credential', ...credential }) }],
  );
  return { sub: credential.sub, otpauthUri: totp(args.email, secret).toString(), secret };
}
