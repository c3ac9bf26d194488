import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DefinitionsRepository, Repository } from '../../usecases/ports.ts';
import { requireEnv } from '../environment.ts';
import { DefinitionItems } from './definitions.ts';
import { DraftItems } from './drafts.ts';
import { GateItems } from './gates.ts';
import { JobItems } from './jobs.ts';
import { MailItems } from './mail.ts';
import { PeopleItems } from './people.ts';
import { ProjectItems } from './projects.ts';
import { SigningItems } from './signing.ts';
import { Table } from './table.ts';
import { TrailItems } from './trail.ts';
import { LinkVoteItems } from './votes.ts';

/**
 * The repository the use cases see: one object over one table, made of one module per
 * aggregate (definitions and their drafts, people, projects, gates and the agenda, links and votes, trail).
 */
export interface TableNames {
  /** Projects, gates, links, votes, definitions, people. */
  main: string;
  /** The trail: chains and their heads. */
  trail: string;
}

export function dynamoRepository(client: DynamoDBClient, tables: TableNames): Repository {
  return merge(...aggregates(new Table(client, tables.main, tables.trail)));
}

/** With the drafts too: the definitions API's (no other function bundles the drafts). */
export function definitionsRepository(client: DynamoDBClient, tables: TableNames): DefinitionsRepository {
  const table = new Table(client, tables.main, tables.trail);
  return merge(...aggregates(table), new DraftItems(table)) as DefinitionsRepository;
}

function aggregates(table: Table) {
  return [
    new DefinitionItems(table),
    new PeopleItems(table),
    new ProjectItems(table),
    new GateItems(table),
    new LinkVoteItems(table),
    new TrailItems(table),
    new JobItems(table),
    new MailItems(table),
    new SigningItems(table),
  ];
}

/** One object with every aggregate's methods, each bound to its own instance. */
function merge<T extends object[]>(...parts: T): Repository {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    const proto = Object.getPrototypeOf(part) as object;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      if (name in out) throw new Error(`two aggregates define ${name}`);
      out[name] = (part as Record<string, (...args: unknown[]) => unknown>)[name]?.bind(part);
    }
  }
  return out as unknown as Repository;
}

/** The repository the handlers use; endpoint from AWS_ENDPOINT_URL_DYNAMODB when set. */
export function repositoryFromEnv(): Repository {
  return dynamoRepository(new DynamoDBClient({}), tablesFromEnv());
}

/** The definitions API's, with the drafts. */
export function definitionsRepositoryFromEnv(): DefinitionsRepository {
  return definitionsRepository(new DynamoDBClient({}), tablesFromEnv());
}

function tablesFromEnv(): TableNames {
  return { main: requireEnv('TABLE_NAME'), trail: requireEnv('TRAIL_TABLE_NAME') };
}
