import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { TollgateStack } from './stack.ts';

/**
 * `npx cdk synth|deploy`. Configure with context: `-c tollgate:senderEmail=you@example.com`
 * (a verified SES identity) and optionally `-c tollgate:appUrl=https://approvals.example.com`,
 * `-c tollgate:authDomainPrefix=acme-tollgate` (the hosted UI's domain) and
 * `-c tollgate:consoleUrls=https://approvals.example.com/console` (comma-separated; the console's
 * sign-in callback and logout URLs, the first one used).
 */
export function buildApp(
  app = new App(),
  options: { nag?: boolean } = {},
): { app: App; stack: TollgateStack } {
  const stack = new TollgateStack(app, 'Tollgate', {
    senderEmail: String(app.node.tryGetContext('tollgate:senderEmail') ?? 'tollgate@example.com'),
    appUrl: String(app.node.tryGetContext('tollgate:appUrl') ?? ''),
    authDomainPrefix: String(app.node.tryGetContext('tollgate:authDomainPrefix') ?? ''),
    consoleUrls: String(app.node.tryGetContext('tollgate:consoleUrls') ?? '')
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  if (options.nag !== false) {
    acknowledgeFindings(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
