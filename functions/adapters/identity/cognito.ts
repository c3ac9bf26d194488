import type { IdentityCheck, IdentityVerifier } from '../../usecases/ports.ts';

/**
 * E-signatures on AWS: the approver signs in to the Cognito user pool (MFA required, TOTP) from
 * the decision page itself, through the app client made for it (USER_PASSWORD_AUTH, no
 * secret). The password alone is proven by Cognito answering with the MFA challenge; with the
 * code, the ID token Cognito returns names the verified identity. Two unsigned JSON calls to
 * the public Cognito endpoint: no SDK client in the approval function (ADR 0014).
 */
export class CognitoIdentityVerifier implements IdentityVerifier {
  private readonly endpoint: string;

  constructor(
    private readonly options: { region: string; clientId: string; endpoint?: string; timeoutMs?: number },
  ) {
    this.endpoint = options.endpoint ?? `https://cognito-idp.${options.region}.amazonaws.com/`;
  }

  async verify(approver: string, proof: { password: string; code?: string }): Promise<IdentityCheck> {
    const started = await this.call('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: this.options.clientId,
      AuthParameters: { USERNAME: approver, PASSWORD: proof.password },
    });
    if ('error' in started) return { ok: false, refused: PASSWORD_ERRORS[started.error] ?? 'password' };
    // MFA is required on the pool; a sign-in without its challenge is not two components.
    if (started.body.ChallengeName !== 'SOFTWARE_TOKEN_MFA' || typeof started.body.Session !== 'string')
      return { ok: false, refused: 'not-enrolled' };
    if (proof.code === undefined) return { ok: true };
    const parameters = (started.body.ChallengeParameters ?? {}) as Record<string, string>;
    const answered = await this.call('RespondToAuthChallenge', {
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      ClientId: this.options.clientId,
      Session: started.body.Session,
      ChallengeResponses: {
        USERNAME: parameters.USER_ID_FOR_SRP ?? approver,
        SOFTWARE_TOKEN_MFA_CODE: proof.code,
      },
    });
    if ('error' in answered) return { ok: false, refused: CODE_ERRORS[answered.error] ?? 'code' };
    const result = answered.body.AuthenticationResult as { IdToken?: unknown } | undefined;
    const claims = typeof result?.IdToken === 'string' ? idTokenClaims(result.IdToken) : undefined;
    if (!claims) return { ok: false, refused: 'identity' };
    if (
      claims.token_use !== 'id' ||
      claims.aud !== this.options.clientId ||
      (claims.email_verified !== true && claims.email_verified !== 'true') ||
      typeof claims.sub !== 'string' ||
      typeof claims.email !== 'string' ||
      // The approver's own address, not another alias of the mailbox: identity, not mail routing.
      claims.email.trim().toLowerCase() !== approver.trim().toLowerCase()
    )
      return { ok: false, refused: 'identity' };
    return { ok: true, sub: claims.sub };
  }

  private async call(
    action: string,
    body: unknown,
  ): Promise<{ body: Record<string, unknown> } | { error: string }> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return { body: parsed };
    const type = String(parsed.__type ?? response.headers.get('x-amzn-errortype') ?? '');
    const error = type.split('#').pop()?.split(':')[0] ?? '';
    // Throttling or an outage is not the approver's fault: an error, not a refusal.
    if (!(error in PASSWORD_ERRORS) && !(error in CODE_ERRORS))
      throw new Error(`Cognito ${action} failed: ${error || response.status}`);
    return { error };
  }
}

const PASSWORD_ERRORS: Record<string, 'password' | 'not-enrolled'> = {
  NotAuthorizedException: 'password',
  UserNotFoundException: 'password',
  PasswordResetRequiredException: 'not-enrolled',
  UserNotConfirmedException: 'not-enrolled',
};

const CODE_ERRORS: Record<string, 'code' | 'password'> = {
  CodeMismatchException: 'code',
  ExpiredCodeException: 'code',
  // The challenge session expired between the two calls: try again.
  NotAuthorizedException: 'code',
};

/**
 * The claims of an ID token received straight from Cognito over TLS in answer to our own
 * call: its origin is the connection, so its payload is read, not re-verified.
 */
function idTokenClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
