import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type SignedManifest, verifyExport } from '../../functions/domain/manifest.ts';
import { type ConnectionOptions, connect, withConnection } from './connection.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { runJob, seconds } from './jobs.ts';
import { progress } from './progress.ts';

export function verifyCommand(trail: Command): void {
  withConnection(
    trail
      .command('verify')
      .description(
        'verify the whole trail on the server (every chain, against its head and the latest anchor); exit 1 if broken',
      )
      .option('--timeout <seconds>', 'how long to wait for the verification job', seconds, 600)
      .option('--json', 'print the verification as one JSON object'),
  ).action(async (options: ConnectionOptions & { timeout: number; json?: boolean }, command: Command) => {
    const connection = await connect(options, command);
    const job = await runJob(
      connection,
      '/trail/verifications',
      {},
      {
        timeoutSeconds: options.timeout,
        progress: progress(!options.json && Boolean(process.stderr.isTTY)),
      },
    );
    const v = job.verification;
    if (!v) throw new CliError(EXIT.unreachable, `verification job ${job.jobId} is done but gives no result`);
    if (options.json) console.log(JSON.stringify({ jobId: job.jobId, ...v }));
    else if (v.ok)
      console.log(`OK: ${v.chains} chains, ${v.entries} entries, anchor ${v.anchor?.seq ?? 'none yet'}`);
    else if (v.firstBreak) {
      const b = v.firstBreak;
      console.log(`BROKEN: ${b.kind} in chain ${b.chain} at seq ${b.seq}`);
      if (b.expected !== undefined) console.log(`  expected  ${b.expected}`);
      if (b.found !== undefined) console.log(`  found     ${b.found}`);
      console.log(`  ${b.message}`);
    } else console.log(`BROKEN: anchor ${v.anchor?.seq}: ${v.anchor?.problem ?? 'does not hold'}`);
    if (!v.ok) process.exitCode = EXIT.failed;
  });
}

export function verifyExportCommand(trail: Command): void {
  trail
    .command('verify-export')
    .description(
      'verify a downloaded export offline (no network): the manifest signature, the file size and sha256, and for JSON Lines every entry hash',
    )
    .argument('<file>', 'the export file (.csv or .jsonl)')
    .option('--manifest <file>', 'the signed manifest (default: <file>.manifest.json)')
    .option('--public-key <pem file>', 'the public key (default: <file>.pub.pem)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      '\nExit codes: 0 verified; 1 it does not verify (the problem is printed); 2 usage error (a file is missing).',
    )
    .action(async (file: string, options: { manifest?: string; publicKey?: string; json?: boolean }) => {
      const paths = {
        file,
        manifest: options.manifest ?? `${file}.manifest.json`,
        publicKey: options.publicKey ?? `${file}.pub.pem`,
      };
      const [data, manifestText, publicKeyPem] = await Promise.all([
        input(paths.file),
        input(paths.manifest),
        input(paths.publicKey),
      ]);
      const check = verifyExport(data, signedManifest(paths.manifest, manifestText), publicKeyPem.toString());
      if (options.json) console.log(JSON.stringify({ ...check, ...paths }));
      else if (check.ok) console.log(`OK: ${file}: ${check.count} entries match the signed manifest`);
      else console.log(`FAILED: ${file}: ${check.problem}`);
      if (!check.ok) process.exitCode = EXIT.failed;
    });
}

async function input(path: string): Promise<Buffer> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
}

/** The manifest file as a SignedManifest, or a failure naming what it is not. */
function signedManifest(path: string, text: Buffer): SignedManifest {
  let parsed: Partial<SignedManifest>;
  try {
    parsed = JSON.parse(text.toString('utf8')) as Partial<SignedManifest>;
  } catch {
    throw new CliError(EXIT.failed, `${path} is not JSON`);
  }
  if (parsed?.manifest?.kind !== 'tollgate-trail-export' || typeof parsed.signature !== 'object')
    throw new CliError(EXIT.failed, `${path} is not a signed tollgate export manifest`);
  return parsed as SignedManifest;
}
