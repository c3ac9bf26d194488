import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IdentityVerifier } from '../../usecases/ports.ts';
import { Table } from '../dynamodb/table.ts';
import { requireEnv } from '../environment.ts';
import { CognitoIdentityVerifier } from './cognito.ts';
import { LocalIdentityVerifier } from './local.ts';

/**
 * Who checks e-signatures: Cognito where `SIGNATURE_CLIENT_ID` is set (the stack sets it), the
 * local sign-in where `LOCAL_SIGN_IN` is on (the local runtime), else nobody: an e-signature
 * gate then cannot be signed, which is refused with a clear page rather than signed by link.
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
  if (process.env.LOCAL_SIGN_IN === '1')
    return new LocalIdentityVerifier(
      new Table(new DynamoDBClient({}), requireEnv('TABLE_NAME'), requireEnv('TRAIL_TABLE_NAME')),
    );
  return { verify: async () => ({ ok: false, refused: 'not-enrolled' }) };
}
