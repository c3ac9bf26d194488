import { type Command, Option } from 'commander';
import { api } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import {
  duration,
  email,
  examples,
  instant,
  jsonOption,
  output,
  positive,
  reasonOption,
  segment,
  when,
  who,
} from './format.ts';

/*
 * `tollgate remind|reassign|extend|hold|resume|cancel`: a PMO admin acts on a review in flight,
 * always with a reason (the API trails it with the admin's identity). A project is named by its
 * id, a gate instance by its sequence (`tollgate pending` shows both).
 */

type Answer = Record<string, unknown>;

interface ActionOptions extends ConnectionOptions {
  reason: string;
  json?: boolean;
}

const projectPath = (projectId: string) => `/projects/${segment(projectId)}`;
const gatePath = (projectId: string, sequence: number) =>
  `${projectPath(projectId)}/gates/${segment(sequence)}`;

/** A project command: `<projectId>` and the connection, --reason and --json. */
function projectCommand(parent: Command, name: string, description: string): Command {
  return withConnection(
    parent
      .command(name)
      .description(description)
      .argument('<projectId>', 'the project (its id, as `tollgate pending` shows it)')
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
}

/** A gate command: `<projectId> <sequence>` and the rest. */
function gateCommand(parent: Command, name: string, description: string): Command {
  return withConnection(
    parent
      .command(name)
      .description(description)
      .argument('<projectId>', 'the project (its id, as `tollgate pending` shows it)')
      .argument('<sequence>', "the gate instance's sequence number (`tollgate pending` shows it)", positive)
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
}

export function actionCommands(program: Command): void {
  const remind = gateCommand(
    program,
    'remind',
    'mail a reminder now (with a fresh decision link) to the approvers of an open gate who have not decided',
  ).option('--approver <email>', 'remind only this approver', email);
  examples(remind, [
    'tollgate remind 3f6c…e1 2 --reason "steering committee tomorrow"',
    'tollgate remind 3f6c…e1 2 --approver fay.finance@example.com --reason "asked by the sponsor"',
  ]).action(
    async (
      projectId: string,
      sequence: number,
      options: ActionOptions & { approver?: string },
      command: Command,
    ) => {
      const connection = await connect(options, command);
      const answer = await api<Answer>(connection, 'POST', `${gatePath(projectId, sequence)}/remind`, {
        reason: options.reason,
        ...(options.approver ? { approver: options.approver } : {}),
      });
      output(answer, () => {
        const mailed = listOf(answer.reminded ?? answer.approvers ?? answer.to);
        console.log(
          mailed.length > 0
            ? `Reminded ${mailed.join(', ')} about gate ${sequence} of ${projectId}.`
            : `Sent the reminder about gate ${sequence} of ${projectId}.`,
        );
      });
    },
  );

  const reassign = gateCommand(
    program,
    'reassign',
    "hand an approver's pending request on an open gate to someone else",
  )
    .addOption(
      new Option('--from <email>', 'the approver whose request moves').argParser(email).makeOptionMandatory(),
    )
    .addOption(new Option('--to <email>', 'who decides instead').argParser(email).makeOptionMandatory());
  examples(reassign, [
    'tollgate reassign 3f6c…e1 2 --from fay.finance@example.com --to frank.finance@example.com --reason "Fay left the company"',
  ]).action(
    async (
      projectId: string,
      sequence: number,
      options: ActionOptions & { from: string; to: string },
      command: Command,
    ) => {
      const connection = await connect(options, command);
      const answer = await api<Answer>(connection, 'POST', `${gatePath(projectId, sequence)}/reassign`, {
        from: options.from,
        to: options.to,
        reason: options.reason,
      });
      output(answer, () =>
        console.log(
          `Handed ${who(answer.from ?? options.from)}'s request on gate ${sequence} of ${projectId} to ${who(answer.to ?? options.to)}.`,
        ),
      );
    },
  );

  const extend = gateCommand(
    program,
    'extend',
    "move an open gate's deadline later (its reminders and escalation move along)",
  )
    .option('--until <iso>', 'the new deadline (ISO 8601 with a zone, e.g. 2025-03-14T17:00:00Z)', instant)
    .option('--by <duration>', 'later than the current deadline by this much (48h, 2d, 1d12h)', duration);
  examples(extend, [
    'tollgate extend 3f6c…e1 2 --by 48h --reason "finance review moved to Thursday"',
    'tollgate extend 3f6c…e1 2 --until 2025-03-14T17:00:00Z --reason "waiting for the audit report"',
  ]).action(
    async (
      projectId: string,
      sequence: number,
      options: ActionOptions & { until?: string; by?: number },
      command: Command,
    ) => {
      if ((options.until === undefined) === (options.by === undefined))
        throw usageError('give either --until <iso> or --by <duration>');
      const connection = await connect(options, command);
      let dueAt = options.until;
      let before: string | undefined;
      if (options.by !== undefined) {
        // "By" counts from the gate's current deadline, which only the project's view knows.
        const view = await api<{ gates?: { sequence: number; dueAt?: string; status?: string }[] }>(
          connection,
          'GET',
          projectPath(projectId),
        );
        before = view.gates?.find((g) => g.sequence === sequence)?.dueAt;
        if (!before)
          throw new CliError(EXIT.failed, `${projectId} has no gate instance ${sequence} with a deadline`);
        dueAt = new Date(Date.parse(before) + options.by).toISOString();
      }
      const answer = await api<Answer>(connection, 'POST', `${gatePath(projectId, sequence)}/extend`, {
        dueAt,
        reason: options.reason,
      });
      output(answer, () => {
        const from = typeof answer.from === 'string' ? answer.from : before;
        const to =
          typeof answer.to === 'string' ? answer.to : typeof answer.dueAt === 'string' ? answer.dueAt : dueAt;
        console.log(
          `Moved the deadline of gate ${sequence} of ${projectId}${from ? ` from ${when(from)}` : ''} to ${when(to)}.`,
        );
      });
    },
  );

  const hold = projectCommand(
    program,
    'hold',
    'put a project on hold (an open gate is closed as a Hold decision closes it); `resume` goes on',
  );
  examples(hold, ['tollgate hold 3f6c…e1 --reason "budget freeze until Q3"']).action(
    async (projectId: string, options: ActionOptions, command: Command) => {
      const answer = await post(options, command, `${projectPath(projectId)}/hold`);
      output(answer, () => console.log(`Put ${projectId} on hold.`));
    },
  );

  const resume = projectCommand(
    program,
    'resume',
    'resume a project on hold: the gate it stopped at opens again (or its stage goes on)',
  );
  examples(resume, ['tollgate resume 3f6c…e1 --reason "budget released"']).action(
    async (projectId: string, options: ActionOptions, command: Command) => {
      const answer = await post(options, command, `${projectPath(projectId)}/resume`);
      output(answer, () => {
        const at = typeof answer.gateId === 'string' ? ` at gate ${answer.gateId}` : '';
        const status = typeof answer.status === 'string' ? `: ${answer.status}${at}` : '';
        console.log(`Resumed ${projectId}${status}.`);
      });
    },
  );

  const cancel = projectCommand(
    program,
    'cancel',
    'cancel a project for good: it closes as cancelled, its open requests close and their links stop working',
  );
  examples(cancel, ['tollgate cancel 3f6c…e1 --reason "superseded by the platform programme"']).action(
    async (projectId: string, options: ActionOptions, command: Command) => {
      const answer = await post(options, command, `${projectPath(projectId)}/cancel`);
      output(answer, () => console.log(`Cancelled ${projectId}.`));
    },
  );
}

async function post(options: ActionOptions, command: Command, path: string): Promise<Answer> {
  const connection = await connect(options, command);
  return api<Answer>(connection, 'POST', path, { reason: options.reason });
}

/** The e-mails in an answer's list (strings, or objects with an e-mail). */
function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.map(who).filter((w) => w !== '-') : [];
}
