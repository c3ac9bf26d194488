/**
 * The identity providers behind e-signatures. Cognito cannot run here: a loopback server
 * speaks its JSON protocol (InitiateAuth, RespondToAuthChallenge, error types) so the adapter's
 * requests and its reading of every answer are checked. The local sign-in needs DynamoDB Local:
 * it is tested in test/integration/repository.test.ts, beside the other adapters on one instance.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CognitoIdentityVerifier } from '../../functions/adapters/identity/cognito.ts';

const CLIENT_ID = 'signature-client-id';
const APPROVER = 'sam.sponsor@example.com';

interface Seen {
  target: string;
  contentType: string;
  body: Record<string, unknown>;
}

/** Answers like Cognito for one user: password "right-password", code "123456". */
function fakeCognito(claims: Record<string, unknown>, seen: Seen[]): Server {
  const idToken = ['e30', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'sig'].join('.');
  return createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    const target = String(req.headers['x-amz-target']);
    seen.push({ target, contentType: String(req.headers['content-type']), body });
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(json));
    };
    if (target.endsWith('.InitiateAuth')) {
      const params = body.AuthParameters as Record<string, string>;
      if (params.USERNAME === 'throttled@example.com')
        return answer(400, { __type: 'TooManyRequestsException', message: 'Rate exceeded' });
      if (params.PASSWORD !== 'right-password')
        return answer(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
      if (params.USERNAME === 'no-mfa@example.com')
        return answer(200, { AuthenticationResult: { IdToken: idToken } });
      return answer(200, {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'challenge-session',
        ChallengeParameters: { USER_ID_FOR_SRP: 'user-id-1' },
      });
    }
    if (target.endsWith('.RespondToAuthChallenge')) {
      const responses = body.ChallengeResponses as Record<string, string>;
      if (responses.SOFTWARE_TOKEN_MFA_CODE !== '123456')
        return answer(400, { __type: 'CodeMismatchException', message: 'Invalid code received for user' });
      return answer(200, { AuthenticationResult: { IdToken: idToken, AccessToken: 'a', RefreshToken: 'r' } });
    }
    answer(400, { __type: 'UnknownOperationException' });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const goodClaims = {
  sub: 'cognito-sub-1',
  email: APPROVER,
  email_verified: true,
  token_use: 'id',
  aud: CLIENT_ID,
};

describe('Cognito as the identity behind an e-signature', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  async function verifierFor(claims: Record<string, unknown>, seen: Seen[] = []) {
    const server = fakeCognito(claims, seen);
    servers.push(server);
    return new CognitoIdentityVerifier({
      region: 'eu-west-1',
      clientId: CLIENT_ID,
      endpoint: await listen(server),
    });
  }

  it('signs in with password then TOTP, and returns the verified sub', async () => {
    // Prepare
    const seen: Seen[] = [];
    const verifier = await verifierFor(goodClaims, seen);
    // Act
    const check = await verifier.verify(APPROVER, { password: 'right-password', code: '123456' });
    // Assess
    expect(check).toEqual({ ok: true, sub: 'cognito-sub-1' });
    expect(seen.map((s) => s.target)).toEqual([
      'AWSCognitoIdentityProviderService.InitiateAuth',
      'AWSCognitoIdentityProviderService.RespondToAuthChallenge',
    ]);
    expect(seen[0]).toMatchObject({
      contentType: 'application/x-amz-json-1.1',
      body: { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: CLIENT_ID, AuthParameters: { USERNAME: APPROVER } },
    });
    expect(seen[1]?.body).toEqual({
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      ClientId: CLIENT_ID,
      Session: 'challenge-session',
      ChallengeResponses: { USERNAME: 'user-id-1', SOFTWARE_TOKEN_MFA_CODE: '123456' },
    });
  });

  it('proves the password alone by the MFA challenge, without answering it', async () => {
    const seen: Seen[] = [];
    const verifier = await verifierFor(goodClaims, seen);
    expect(await verifier.verify(APPROVER, { password: 'right-password' })).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
  });

  it('refuses a wrong password, a wrong code, and a pool that let someone in without MFA', async () => {
    const verifier = await verifierFor(goodClaims);
    expect(await verifier.verify(APPROVER, { password: 'wrong', code: '123456' })).toEqual({
      ok: false,
      refused: 'password',
    });
    expect(await verifier.verify(APPROVER, { password: 'right-password', code: '654321' })).toEqual({
      ok: false,
      refused: 'code',
    });
    expect(
      await verifier.verify('no-mfa@example.com', { password: 'right-password', code: '123456' }),
    ).toEqual({
      ok: false,
      refused: 'not-enrolled',
    });
  });

  it.each([
    ['an unverified e-mail', { ...goodClaims, email_verified: false }],
    ['another person', { ...goodClaims, email: 'someone.else@example.com' }],
    ['a token for another client', { ...goodClaims, aud: 'other-client' }],
    ['an access token', { ...goodClaims, token_use: 'access' }],
  ])('refuses an identity that is %s', async (_what, claims) => {
    const verifier = await verifierFor(claims);
    expect(await verifier.verify(APPROVER, { password: 'right-password', code: '123456' })).toEqual({
      ok: false,
      refused: 'identity',
    });
  });

  it('turns throttling into an error, not a refused signature counted against the approver', async () => {
    const verifier = await verifierFor(goodClaims);
    await expect(verifier.verify('throttled@example.com', { password: 'x' })).rejects.toThrow(
      /TooManyRequestsException/,
    );
  });
});
