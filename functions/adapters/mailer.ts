import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Mail, Mailer } from '../usecases/ports.ts';
import { requireEnv } from './environment.ts';

/** Sends through SES v1 SendEmail: HTML with a plain-text alternative. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly sender: string,
  ) {}

  async send(mail: Mail): Promise<{ messageId: string }> {
    const out = await this.client.send(
      new SendEmailCommand({
        Source: this.sender,
        Destination: { ToAddresses: [mail.to] },
        Message: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
        },
      }),
    );
    if (!out.MessageId) throw new Error('SES accepted the mail without a message id');
    return { messageId: out.MessageId };
  }
}

export function mailerFromEnv(): SesMailer {
  return new SesMailer(new SESClient({}), requireEnv('SENDER_EMAIL'));
}
