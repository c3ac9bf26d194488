import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { request } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';

export function recordCommand(trail: Command): void {
  withConnection(
    trail
      .command('record')
      .description("save a project's printable approval record (HTML)")
      .argument('<projectId>', 'the project')
      .option('-o, --output <file>', 'where to save it (default: record-<projectId>.html; "-" for stdout)')
      .option('--json', 'print where it was saved as one JSON object'),
  ).action(
    async (
      projectId: string,
      options: ConnectionOptions & { output?: string; json?: boolean },
      command: Command,
    ) => {
      const connection = await connect(options, command);
      const response = await request(
        'GET',
        `${connection.url}/projects/${encodeURIComponent(projectId)}/record`,
        {
          token: connection.token,
        },
      );
      const html = Buffer.from(await response.arrayBuffer());
      if (options.output === '-') {
        process.stdout.write(html);
        return;
      }
      const file = options.output ?? `record-${projectId}.html`;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, html);
      if (options.json) console.log(JSON.stringify({ projectId, file, bytes: html.length }));
      else console.log(`saved the approval record of ${projectId} to ${file} (${html.length} bytes)`);
    },
  );
}
