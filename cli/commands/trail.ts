import type { Command } from 'commander';
import { exportCommand } from './trail-export.ts';
import { recordCommand } from './trail-record.ts';
import { verifyCommand, verifyExportCommand } from './trail-verify.ts';

/** `tollgate trail …`: the compliance API by URL and bearer token (never the tables). */
export function trailCommands(program: Command): void {
  const trail = program
    .command('trail')
    .description('export and verify the audit trail, print approval records (through the API)');
  exportCommand(trail);
  verifyCommand(trail);
  verifyExportCommand(trail);
  recordCommand(trail);
}
