import type { ChainHead, TrailEntry, TrailEvent } from '../../domain/trail.ts';
import type { TrailStore } from '../../usecases/ports.ts';
import { keys } from '../keys.ts';
import { strip, type Table } from './table.ts';

/** Trail chains: entries and heads (appends happen in the transactions of the changes they record). */
export class TrailItems implements TrailStore {
  constructor(private readonly table: Table) {}

  async listTrail(chain: string): Promise<TrailEntry[]> {
    const { pk, skPrefix } = keys.trailPrefix(chain);
    return (await this.table.query(pk, skPrefix)).map((i) => strip<TrailEntry>(i) as TrailEntry);
  }

  getTrailHead(chain: string): Promise<(ChainHead & { sealed?: boolean }) | undefined> {
    return this.table.getHead(chain);
  }

  async appendTrail(events: TrailEvent[]): Promise<void> {
    await this.table.withTrail(events, []);
  }

  async sealChain(event: TrailEvent): Promise<void> {
    await this.table.withTrail([event], [], { seal: true });
  }
}
