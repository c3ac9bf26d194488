// Local sign-in: tokens shaped like Cognito ID tokens (ES256, `cognito:groups` as roles), so handlers
// behind the JWT route read the same claims locally as on AWS.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';

export interface LocalPerson {
  email: string;
  name: string;
  groups: string[];
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** An ID token for `person`; `nonce` is echoed as OpenID Connect asks (the console's sign-in checks it). */
  sign(person: LocalPerson, ttlSeconds?: number, extra?: { nonce?: string }): Promise<string>;
  /** The claims of a valid token; undefined for any failure (signature, iss, aud, exp, token_use). */
  verify(token: string): Promise<Record<string, unknown> | undefined>;
  jwks(): Promise<{ keys: unknown[] }>;
}

const ALG = 'ES256';
const AUDIENCE = 'tollgate-local';
/** The tokens' audience, as a Cognito ID token's is its app client id: the local console's client id too. */
export const LOCAL_AUDIENCE = AUDIENCE;
const DEFAULT_TTL_SECONDS = 3600;

export async function createLocalIssuer(options: { dataDir?: string; issuer: string }): Promise<LocalIssuer> {
  const privateJwk = await loadOrCreateKey(options.dataDir);
  const { d: _private, ...publicJwk } = privateJwk;
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, ALG)) as CryptoKey;
  const { issuer } = options;

  return {
    issuer,
    audience: AUDIENCE,
    async sign(person, ttlSeconds = DEFAULT_TTL_SECONDS, extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      // Case-insensitive like a Cognito email sign-in: one person, one sub.
      const sub = subjectFor(person.email.trim().toLowerCase());
      return new SignJWT({
        email: person.email,
        // The local sign-in knows each demo person's address, as Cognito knows a verified one.
        email_verified: true,
        name: person.name,
        'cognito:groups': [...person.groups],
        // With email sign-in Cognito's username is the generated uuid, i.e. the sub.
        'cognito:username': sub,
        token_use: 'id',
        ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }),
      })
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          issuer,
          audience: AUDIENCE,
          algorithms: [ALG],
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        // Like API Gateway with a Cognito ID-token audience: only ID tokens are accepted.
        return payload.token_use === 'id' ? { ...payload } : undefined;
      } catch {
        return undefined;
      }
    },
    async jwks() {
      return { keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] };
    },
  };
}

/**
 * A stable, uuid-shaped subject per email (sha256 prefix with the version-8 and variant bits set),
 * so the same person keeps the same `sub` across restarts, as a Cognito user would.
 */
function subjectFor(email: string): string {
  const hex = createHash('sha256').update(email).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** With a data dir the key is kept (mode 0600) so issued tokens survive a restart; without, it is ephemeral. */
async function loadOrCreateKey(dataDir: string | undefined): Promise<JWK> {
  const file = dataDir === undefined ? undefined : join(dataDir, 'auth', 'signing-key.json');
  if (file !== undefined) {
    const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (existing !== undefined) return parseKey(existing, file);
  }

  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _private, ...publicJwk } = jwk;
  const key: JWK = { ...jwk, kid: await calculateJwkThumbprint(publicJwk), alg: ALG };
  if (file === undefined) return key;

  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  try {
    // 'wx': if another process created the key meanwhile, use theirs rather than overwrite it.
    await writeFile(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseKey(await readFile(file, 'utf8'), file);
  }
}

function parseKey(text: string, file: string): JWK {
  const key = JSON.parse(text) as JWK;
  if (key.kty !== 'EC' || key.crv !== 'P-256' || typeof key.d !== 'string') {
    throw new Error(
      `${file} is not an ES256 private JWK; delete it to issue a new key (existing tokens end)`,
    );
  }
  return key;
}
