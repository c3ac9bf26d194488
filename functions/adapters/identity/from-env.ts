import type { IdentityVerifier } from '../../usecases/ports.ts';
import { LOCAL_IDENTITY, requireEnv } from '../environment.ts';
import { CognitoIdentityVerifier } from './cognito.ts';

/**
 * Who checks e-signatures: Cognito where `SIGNATURE_CLIENT_ID` is set (the stack sets it), the
 * local sign-in where the local runtime handed it over (LOCAL_IDENTITY, infra/local/signers.ts:
 * so no Lambda bundle carries it), else nobody: an e-signature gate then cannot be signed, which
 * is refused with a clear page rather than signed by link.
 */
export function identityVerifierFromEnv(): IdentityVerifier {
  const clientId = process.env.SIGNATURE_CLIENT_ID;
  if (clientId) {
    return new CognitoIdentityVerifier({
      region: requireEnv('AWS_REGION'),
      clientId,
      ...(process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER
        ? { endpoint: process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER }
        : {}),
    });
  }
  const local = (globalThis as { [LOCAL_IDENTITY]?: IdentityVerifier })[LOCAL_IDENTITY];
  return local ?? { verify: async () => ({ ok: false, refused: 'not-enrolled' }) };
}
