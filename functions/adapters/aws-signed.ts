// SigV4-signed requests to AWS without the service's client: the SDK's own signer, SHA-256 and
// default credential chain, which every bundle carries already (the DynamoDB client brings them).
// For the few calls a function makes to a service whose client would cost far more than the calls
// (ADR 0011: S3 reads and KMS GetPublicKey; ADR 0017: two Step Functions operations).

import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** A SigV4 signer for one service and region; credentials from the default chain unless given. */
export function signerFor(
  service: string,
  region: string,
  options: { credentials?: Credentials | undefined; uriEscapePath?: boolean; applyChecksum?: boolean } = {},
): SignatureV4 {
  return new SignatureV4({
    service,
    region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    ...(options.uriEscapePath === undefined ? {} : { uriEscapePath: options.uriEscapePath }),
    ...(options.applyChecksum === undefined ? {} : { applyChecksum: options.applyChecksum }),
  });
}

/**
 * Where a service answers, as the SDK resolves it from the environment: `AWS_ENDPOINT_URL_<ID>`
 * (the service's SDK id, e.g. `SFN`), then `AWS_ENDPOINT_URL`, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true; otherwise the regional endpoint given. (Endpoints
 * set in the shared config file are not read: nothing here sets them.)
 */
export function configuredEndpoint(
  serviceId: string,
  regional: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return regional;
  return env[`AWS_ENDPOINT_URL_${serviceId}`] || env.AWS_ENDPOINT_URL || regional;
}

/** The DNS suffix of a region's partition (the commercial and China partitions). */
export const dnsSuffix = (region: string) =>
  region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';

/** What an AWS JSON API answered: its status, its JSON body, and for an error its shape name. */
export interface JsonReply {
  status: number;
  ok: boolean;
  body: Record<string, unknown>;
  /** The error's shape name without its namespace (`ExecutionAlreadyExists`), for an error. */
  errorType: string | undefined;
  requestId: string | undefined;
}

/**
 * The error code as the SDK reads it from a JSON protocol reply: the `x-amzn-errortype` header
 * first, then the body's `code` or `__type`, each cut at a `,` or a `:<url>` suffix and stripped of
 * a `<namespace>#` prefix (`com.amazonaws.swf.service.v2.model#TaskTimedOut` → `TaskTimedOut`).
 */
export function jsonErrorType(header: string | null, body: Record<string, unknown>): string | undefined {
  const raw = [header, body.code, body.__type].find((v) => typeof v === 'string' && v !== '') as
    | string
    | undefined;
  if (raw === undefined) return undefined;
  return raw.split(',')[0]?.split(':')[0]?.split('#').pop()?.trim() || undefined;
}

/**
 * One operation of an AWS JSON protocol API (awsJson1_0, awsJson1_1): a signed `POST` with
 * `x-amz-target: <prefix>.<Operation>` and a JSON body, as the service's client sends it. One
 * attempt; the caller decides what to retry. The global fetch keeps connections alive.
 */
export class AwsJsonApi {
  private readonly endpoint: URL;

  constructor(
    private readonly signer: SignatureV4,
    endpoint: string,
    private readonly contentType: 'application/x-amz-json-1.0' | 'application/x-amz-json-1.1',
    private readonly timeoutMs: number,
  ) {
    this.endpoint = new URL(endpoint);
  }

  async post(target: string, payload: unknown): Promise<JsonReply> {
    const { hostname, host, protocol, port, pathname } = this.endpoint;
    const body = JSON.stringify(payload);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol,
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: pathname,
      query: {},
      headers: {
        host,
        'content-type': this.contentType,
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': target,
      },
      body,
    });
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      parsed = {};
    }
    const out =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    return {
      status: response.status,
      ok: response.ok,
      body: out,
      errorType: response.ok ? undefined : jsonErrorType(response.headers.get('x-amzn-errortype'), out),
      requestId: response.headers.get('x-amzn-requestid') ?? undefined,
    };
  }
}
