import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeFindings } from './nag-acknowledgements.ts';
import { TollgateStack } from './stack.ts';

/**
 * `npx cdk synth|deploy`. Configure with context: `-c tollgate:senderEmail=you@example.com`
 * (a verified SES identity) and optionally `-c tollgate:appUrl=https://approvals.example.com`.
 */
export function buildApp(
  app = new App(),
  options: { nag?: boolean } = {},
): { app: App; stack: TollgateStack } {
  const stack = new TollgateStack(app, 'Tollgate', {
    senderEmail: String(app.node.tryGetContext('tollgate:senderEmail') ?? 'tollgate@example.com'),
    appUrl: String(app.node.tryGetContext('tollgate:appUrl') ?? ''),
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
