import type { TrailJob } from '../../usecases/model.ts';
import type { JobStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { epochSeconds, strip, type Table } from './table.ts';

/** Export and verification results are kept 90 days, long enough to fetch and file them. */
const JOB_RETENTION_SECONDS = 90 * 86400;

/** Trail jobs (exports, verifications): one item each, rewritten as the job moves on. */
export class JobItems implements JobStore {
  constructor(private readonly table: Table) {}

  async putJob(job: TrailJob): Promise<void> {
    await this.table.transact([
      {
        op: this.table.put({
          ...keys.job(job.jobId),
          type: 'job',
          ...job,
          expiresAtEpoch: epochSeconds(job.requestedAt) + JOB_RETENTION_SECONDS,
        }),
      },
    ]);
  }

  async getJob(jobId: string): Promise<TrailJob | undefined> {
    return strip<TrailJob>(await this.table.get(keys.job(jobId)));
  }
}
