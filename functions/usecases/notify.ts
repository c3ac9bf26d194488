import { newLinkSecret } from '../domain/links.ts';
import { decisionRequestEmail } from '../views/email.ts';
import type { ApprovalRequest, GateInstance } from './model.ts';
import type { Ports } from './ports.ts';

/**
 * Issues a fresh single-use link for one approval request and e-mails it. The link is
 * stored before the mail goes out, so a mail never carries a link the table does not know;
 * only the hash is stored, so the table alone cannot be used to decide.
 */
export async function sendDecisionRequest(
  ports: Pick<Ports, 'repository' | 'mailer' | 'clock' | 'settings'>,
  gate: GateInstance,
  request: ApprovalRequest,
): Promise<void> {
  const now = ports.clock.now();
  const maxAge = new Date(now.getTime() + ports.settings.linkMaxAgeHours * 3_600_000).toISOString();
  const { secret, hash } = newLinkSecret();
  await ports.repository.issueLink(
    request,
    {
      hash,
      projectId: gate.projectId,
      sequence: gate.sequence,
      approver: request.approver,
      // ISO-8601 UTC strings order like the instants they name.
      expiresAt: gate.dueAt.localeCompare(maxAge) < 0 ? gate.dueAt : maxAge,
    },
    now.toISOString(),
  );
  await ports.mailer.send(
    decisionRequestEmail({
      to: request.approver,
      pkg: gate.package,
      link: `${ports.settings.appUrl}/a/${secret}`,
    }),
  );
}
