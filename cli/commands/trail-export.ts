import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { type SignedManifest, verifyExport } from '../../functions/domain/manifest.ts';
import { api, download } from './api.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { CliError, EXIT } from './errors.ts';
import { runJob, seconds } from './jobs.ts';
import { progress } from './progress.ts';

interface ExportOptions extends ConnectionOptions {
  project?: string;
  from?: string;
  to?: string;
  gate?: string;
  approver?: string;
  action?: string;
  format: 'csv' | 'jsonl';
  output?: string;
  timeout: number;
  json?: boolean;
}

export function exportCommand(trail: Command): void {
  withConnection(
    trail
      .command('export')
      .description(
        'export the trail (all of it, or filtered), download the file and its signed manifest, save the public key, and verify the download offline',
      )
      .option('--project <id>', "one project's trail")
      .option('--from <YYYY-MM-DD>', 'entries from this UTC date (with --to)')
      .option('--to <YYYY-MM-DD>', 'entries up to this UTC date, inclusive (with --from)')
      .option('--gate <id>', 'entries about this gate (e.g. business-case)')
      .option('--approver <email>', 'entries by or about this approver')
      .option('--action <action>', 'entries of this action (e.g. decision.recorded)')
      .addOption(new Option('--format <format>', 'file format').choices(['csv', 'jsonl']).default('csv'))
      .option(
        '-o, --output <file>',
        "where to save the data (default: the export's own name); also writes <file>.manifest.json and <file>.pub.pem",
      )
      .option('--timeout <seconds>', 'how long to wait for the export job', seconds, 300)
      .option('--json', 'print one JSON object instead of a summary'),
  ).action(async (options: ExportOptions, command: Command) => {
    const connection = await connect(options, command);
    const shown = progress(!options.json && Boolean(process.stderr.isTTY));
    const request = {
      format: options.format,
      projectId: options.project,
      from: options.from,
      to: options.to,
      gateId: options.gate,
      approver: options.approver,
      action: options.action,
    };
    const job = await runJob(connection, '/trail/exports', request, {
      timeoutSeconds: options.timeout,
      progress: shown,
    });
    if (!job.links || !job.manifest)
      throw new CliError(EXIT.unreachable, `export job ${job.jobId} is done but gives no files`);
    const file = options.output ?? job.manifest.manifest.file.name;
    const files = { data: file, manifest: `${file}.manifest.json`, publicKey: `${file}.pub.pem` };
    const base = connection.url;
    await download(new URL(job.links.data, base).href, files.data, shown, job.manifest.manifest.file.bytes);
    await download(new URL(job.links.manifest, base).href, files.manifest);
    const { publicKeyPem } = await api<{ publicKeyPem: string }>(connection, 'GET', '/trail/public-key');
    await writeFile(files.publicKey, publicKeyPem);

    const signed = JSON.parse(await readFile(files.manifest, 'utf8')) as SignedManifest;
    const check = verifyExport(await readFile(files.data), signed, publicKeyPem);
    const { manifest } = signed;
    if (options.json)
      console.log(
        JSON.stringify({
          ok: check.ok,
          jobId: job.jobId,
          format: manifest.format,
          filters: manifest.filters,
          entries: manifest.entries.count,
          bytes: manifest.file.bytes,
          sha256: manifest.file.sha256,
          anchor: manifest.anchor,
          files,
          ...(check.ok ? {} : { problem: check.problem }),
        }),
      );
    else {
      console.log(`export ${job.jobId}: ${manifest.entries.count} entries, ${manifest.file.bytes} bytes`);
      console.log(`  sha256      ${manifest.file.sha256}`);
      console.log(`  data        ${files.data}`);
      console.log(`  manifest    ${files.manifest}`);
      console.log(`  public key  ${files.publicKey}`);
      console.log(check.ok ? 'verified offline: OK' : `verified offline: FAILED: ${check.problem}`);
      if (!check.ok) console.error(`tollgate: the download does not verify: ${check.problem}`);
    }
    if (!check.ok) process.exitCode = EXIT.failed;
  });
}
