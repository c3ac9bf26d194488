import { type Command, InvalidArgumentError, Option } from 'commander';
import type { DirectoryPerson } from '../../functions/usecases/model.ts';
import { api } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { usageError } from './errors.ts';
import {
  day,
  email,
  examples,
  jsonOption,
  output,
  positive,
  reasonOption,
  segment,
  table,
  when,
} from './format.ts';
import { more, pages } from './pending.ts';

/*
 * `tollgate people …`: the directory the approvals use: who holds which role, and who is out of
 * office with whom deciding for them. Every change is the signed-in PMO admin's, with a reason.
 */

const ROLES = ['requester', 'pmo-admin', 'compliance', 'approver'] as const;

interface ChangeOptions extends ConnectionOptions {
  reason: string;
  json?: boolean;
}

const personPath = (who: string) => `/people/${segment(who)}`;

export function peopleCommands(program: Command): void {
  const people = program
    .command('people')
    .description('the people directory: roles, out of office and delegates');

  const list = withConnection(
    people
      .command('list')
      .description('everyone in the directory, with roles and out-of-office')
      .option('--limit <n>', 'people per page (the API caps it)', positive)
      .option('--cursor <cursor>', 'the next page, as the previous page printed it')
      .option('--all', 'follow the cursor through every page (at most 50 pages)')
      .addOption(jsonOption()),
  );
  examples(list, ['tollgate people list --all', 'tollgate people list --json | jq ".people[].email"']).action(
    async (
      options: ConnectionOptions & { limit?: number; cursor?: string; all?: boolean; json?: boolean },
      command: Command,
    ) => {
      const connection = await connect(options, command);
      const query = new URLSearchParams(options.limit ? { limit: String(options.limit) } : {});
      const page = await pages<DirectoryPerson>(connection, '/people', 'people', query, options);
      output({ people: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) }, () => {
        if (page.items.length === 0) console.log('The directory is empty.');
        else
          console.log(
            table(
              ['EMAIL', 'NAME', 'ROLES', 'AWAY'],
              page.items.map((p) => [
                p.email,
                p.name,
                p.roles.join(', ') || '-',
                p.away ? `${p.away.from} to ${p.away.until}, delegate ${p.away.delegate}` : '-',
              ]),
            ),
          );
        more(page, 'people', options.all);
      });
    },
  );

  const add = withConnection(
    people
      .command('add')
      .description(
        'add a person to the directory, or change their name and roles (the roles given replace theirs)',
      )
      .argument('<email>', 'their e-mail address', email)
      .addOption(new Option('--name <name>', 'their name, as mails and pages show it').makeOptionMandatory())
      .addOption(
        new Option('--role <role>', `a role (${ROLES.join(', ')}); repeat for several`)
          .argParser(role)
          .makeOptionMandatory(),
      )
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
  examples(add, [
    'tollgate people add fay.finance@example.com --name "Fay Finance" --role approver --reason "new finance controller"',
    'tollgate people add pat.pmo@example.com --name "Pat PMO" --role pmo-admin --role approver --reason "joins the PMO"',
  ]).action(
    async (who: string, options: ChangeOptions & { name: string; role: string[] }, command: Command) => {
      const connection = await connect(options, command);
      const person = await api<DirectoryPerson>(connection, 'PUT', personPath(who), {
        name: options.name,
        roles: options.role,
        reason: options.reason,
      });
      output(person, () =>
        console.log(`${person.email} (${person.name}): ${person.roles.join(', ') || 'no roles'}.`),
      );
    },
  );

  const away = withConnection(
    people
      .command('away')
      .description('mark someone out of office: requests opened for them in those days go to the delegate')
      .argument('<email>', 'who is away', email)
      .addOption(
        new Option('--from <date>', 'first day away (YYYY-MM-DD, UTC)').argParser(day).makeOptionMandatory(),
      )
      .addOption(
        new Option('--until <date>', 'last day away (YYYY-MM-DD, UTC)').argParser(day).makeOptionMandatory(),
      )
      .addOption(
        new Option('--delegate <email>', 'who decides for them').argParser(email).makeOptionMandatory(),
      )
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
  examples(away, [
    'tollgate people away fay.finance@example.com --from 2025-08-01 --until 2025-08-15 --delegate frank.finance@example.com --reason "summer leave"',
  ]).action(
    async (
      who: string,
      options: ChangeOptions & { from: string; until: string; delegate: string },
      command: Command,
    ) => {
      if (options.until < options.from)
        throw usageError(`--until ${options.until} is before --from ${options.from}`);
      const connection = await connect(options, command);
      const person = await api<DirectoryPerson>(connection, 'PUT', `${personPath(who)}/away`, {
        from: options.from,
        until: options.until,
        delegate: options.delegate,
        reason: options.reason,
      });
      output(person, () => {
        const { from, until, delegate } = person.away ?? options;
        console.log(`${person.email ?? who} is away from ${from} to ${until}; ${delegate} decides for them.`);
      });
    },
  );

  const back = withConnection(
    people
      .command('back')
      .description('mark someone back: new requests go to them again')
      .argument('<email>', 'who is back', email)
      .addOption(reasonOption())
      .addOption(jsonOption()),
  );
  examples(back, ['tollgate people back fay.finance@example.com --reason "back early"']).action(
    async (who: string, options: ChangeOptions, command: Command) => {
      const connection = await connect(options, command);
      const person = await api<DirectoryPerson>(connection, 'POST', `${personPath(who)}/back`, {
        reason: options.reason,
      });
      output(person, () => console.log(`${person.email ?? who} is back: requests go to them again.`));
    },
  );

  const show = withConnection(
    people
      .command('show')
      .description("one person's entry")
      .argument('<email>', 'their e-mail address', email)
      .addOption(jsonOption()),
  );
  examples(show, ['tollgate people show fay.finance@example.com']).action(
    async (who: string, options: ConnectionOptions & { json?: boolean }, command: Command) => {
      const connection = await connect(options, command);
      const person = await api<DirectoryPerson>(connection, 'GET', personPath(who));
      output(person, () => {
        console.log(`${person.email} (${person.name})`);
        console.log(`  roles    ${person.roles.join(', ') || '-'}`);
        console.log(
          `  away     ${person.away ? `${person.away.from} to ${person.away.until}, delegate ${person.away.delegate}` : '-'}`,
        );
        console.log(`  changed  ${when(person.updatedAt)}`);
      });
    },
  );
}

/** `--role`, repeatable; one of the directory's roles. */
function role(value: string, previous: string[] = []): string[] {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`${value} is not a role (${ROLES.join(', ')})`);
  return previous.includes(value) ? previous : [...previous, value];
}
