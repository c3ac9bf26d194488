/**
 * Maps aws-local-stepfunctions event logs to Step Functions history events
 * (AWS type names and `*EventDetails` shapes).
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import type { TaskInfo } from './stepfunctions-asl.ts';
import type { HistoryEvent } from './stepfunctions-store.ts';

type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];
export type LibraryEvent = EventLogs extends AsyncGenerator<infer E> ? E : never;

export interface HistoryEntry {
  type: string;
  details: Record<string, unknown>;
}

export function toJsonString(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? '' : toJsonString(cause);
}

function taskResource(task: TaskInfo | undefined): { resourceType: string; resource: string } {
  const service = task?.resource.split(':::')[1] ?? 'unknown:unknown';
  const colon = service.indexOf(':');
  return { resourceType: service.slice(0, colon), resource: service.slice(colon + 1) };
}

/** The history entry for a library event, or undefined for events AWS does not record. */
export function historyEntryFor(event: LibraryEvent, tasks: Map<string, TaskInfo>): HistoryEntry | undefined {
  switch (event.type) {
    case 'StateEntered':
      return {
        type: `${event.state.type}StateEntered`,
        details: {
          stateEnteredEventDetails: {
            name: event.state.name,
            input: toJsonString(event.state.input),
            inputDetails: { truncated: false },
          },
        },
      };
    case 'StateExited':
      return {
        type: `${event.state.type}StateExited`,
        details: {
          stateExitedEventDetails: {
            name: event.state.name,
            output: toJsonString(event.state.output),
            outputDetails: { truncated: false },
          },
        },
      };
    case 'StateFailed': {
      if (event.state.type === 'Parallel' || event.state.type === 'Map') {
        return { type: `${event.state.type}StateFailed`, details: {} };
      }
      if (event.state.type !== 'Task') return undefined;
      const failure = {
        ...taskResource(tasks.get(event.state.name)),
        error: event.Error,
        cause: causeText(event.Cause),
      };
      return event.Error === 'States.Timeout'
        ? { type: 'TaskTimedOut', details: { taskTimedOutEventDetails: failure } }
        : { type: 'TaskFailed', details: { taskFailedEventDetails: failure } };
    }
    case 'MapIterationStarted':
      return {
        type: 'MapIterationStarted',
        details: { mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index } },
      };
    case 'MapIterationSucceeded':
      return {
        type: 'MapIterationSucceeded',
        details: { mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index } },
      };
    case 'MapIterationFailed':
      return {
        type: 'MapIterationFailed',
        details: { mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index } },
      };
    default:
      return undefined;
  }
}

export function appendHistory(
  history: HistoryEvent[],
  entry: HistoryEntry,
  timestamp: number = Date.now(),
): HistoryEvent {
  const event: HistoryEvent = {
    ...entry.details,
    id: history.length + 1,
    previousEventId: history.length,
    timestamp,
    type: entry.type,
  };
  history.push(event);
  return event;
}

/** The API shape: epoch seconds; without execution data when `includeExecutionData` is false. */
export function toApiEvent(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(out)) {
      if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
        const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
        out[key] = rest;
      }
    }
  }
  return out;
}
