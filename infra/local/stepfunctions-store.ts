/**
 * One JSON file per execution under `<dataDir>/executions`, written atomically
 * (temporary file + rename). Writes for one execution are coalesced: while a
 * write is in flight, later saves mark the record dirty and the newest state is
 * written next, so a burst of state changes costs at most two writes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event in the API's shape, except `timestamp` in epoch milliseconds. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface PendingTask {
  token: string;
  stateName: string;
  /** Epoch ms; null = no TimeoutSeconds. */
  deadline: number | null;
}

export interface ExecutionRecord {
  version: 1;
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The original input, as given (a JSON string). */
  input: string;
  /** Epoch ms. */
  startDate: number;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: number;
  /** The current top-level state and its raw input: where a resume starts. */
  current?: { stateName: string; stateInput: unknown };
  /** The top-level waitForTaskToken task being waited on. */
  pending?: PendingTask;
  /** sha256 (base64url) of every task token issued, so late tokens answer TaskTimedOut after a restart. */
  tokenHashes: string[];
  history: HistoryEvent[];
}

type Log = (message: string, fields?: Record<string, unknown>) => void;

interface PendingWrite {
  dirty: boolean;
  record: ExecutionRecord;
  done: Promise<void>;
}

export class ExecutionStore {
  private readonly dir: string;
  private readonly writes = new Map<string, PendingWrite>();
  private accepting = true;
  private sequence = 0;

  constructor(
    dataDir: string,
    private readonly log: Log,
  ) {
    this.dir = join(dataDir, 'executions');
  }

  /** Creates the directory, removes stale temporary files, and reads every record (oldest first). */
  async load(): Promise<ExecutionRecord[]> {
    await mkdir(this.dir, { recursive: true });
    const records: ExecutionRecord[] = [];
    for (const entry of await readdir(this.dir)) {
      const file = join(this.dir, entry);
      if (entry.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      try {
        const record: unknown = JSON.parse(await readFile(file, 'utf8'));
        if (isExecutionRecord(record)) records.push(record);
        else this.log('ignoring an unreadable execution file', { file });
      } catch (error) {
        this.log('ignoring an unreadable execution file', { file, error: String(error) });
      }
    }
    return records.sort((a, b) => a.startDate - b.startDate);
  }

  /** Persists the record's current state; resolves once a write that includes it is on disk. */
  save(record: ExecutionRecord): Promise<void> {
    if (!this.accepting) return Promise.resolve();
    const file = join(
      this.dir,
      `${createHash('sha256').update(record.executionArn).digest('hex').slice(0, 40)}.json`,
    );
    const existing = this.writes.get(file);
    if (existing) {
      existing.dirty = true;
      existing.record = record;
      return existing.done;
    }
    const write: PendingWrite = { dirty: true, record, done: Promise.resolve() };
    this.writes.set(file, write);
    write.done = this.flush(file, write);
    return write.done;
  }

  /** Stops accepting saves and waits for the writes in flight (including their newest state). */
  async close(): Promise<void> {
    this.accepting = false;
    await Promise.all([...this.writes.values()].map((write) => write.done));
  }

  private async flush(file: string, write: PendingWrite): Promise<void> {
    try {
      while (write.dirty) {
        write.dirty = false;
        const data = JSON.stringify(write.record);
        this.sequence += 1;
        const tmp = `${file}.${process.pid}.${this.sequence}.tmp`;
        try {
          await writeFile(tmp, data);
          await rename(tmp, file);
        } catch (error) {
          this.log('could not persist an execution', {
            executionArn: write.record.executionArn,
            error: String(error),
          });
          await rm(tmp, { force: true }).catch(() => undefined);
        }
      }
    } finally {
      // Same tick as the last `dirty` check: a later save() starts a new flush.
      this.writes.delete(file);
    }
  }
}

function isExecutionRecord(value: unknown): value is ExecutionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<ExecutionRecord>;
  return (
    r.version === 1 &&
    typeof r.executionArn === 'string' &&
    typeof r.stateMachineArn === 'string' &&
    typeof r.name === 'string' &&
    typeof r.input === 'string' &&
    typeof r.startDate === 'number' &&
    typeof r.status === 'string' &&
    Array.isArray(r.tokenHashes) &&
    Array.isArray(r.history)
  );
}
