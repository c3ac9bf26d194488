import type { Log } from './usecases/ports.ts';

/**
 * Structured logs as JSON lines on stdout, which CloudWatch Logs Insights reads field by field.
 * Not Powertools Logger: it added ~20 KiB to every bundle and put the approval pages over their
 * size budget (docs/decisions/0005). Callers pass ids and names only: never an approval link,
 * its secret, a task token or a request body.
 */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
type Level = keyof typeof LEVELS;

/** Read per call, so the level follows `LOG_LEVEL` (or Lambda's own `AWS_LAMBDA_LOG_LEVEL`). */
function threshold(): number {
  const wanted = (process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL ?? 'INFO').toUpperCase();
  return LEVELS[wanted as Level] ?? LEVELS.INFO;
}

function emit(level: Exclude<Level, 'SILENT'>, message: string, fields?: Record<string, unknown>): void {
  if (LEVELS[level] < threshold()) return;
  const line = JSON.stringify({
    level,
    message,
    service: 'tollgate',
    timestamp: new Date().toISOString(),
    ...fields,
  });
  process.stdout.write(`${line}\n`);
}

export const log: Log & { debug(message: string, fields?: Record<string, unknown>): void } = {
  debug: (message, fields) => emit('DEBUG', message, fields),
  info: (message, fields) => emit('INFO', message, fields),
  warn: (message, fields) => emit('WARN', message, fields),
  error: (message, fields) => emit('ERROR', message, fields),
};

/** CloudWatch metrics from a log line (Embedded Metric Format): no PutMetricData call, no extra permission. */
export const METRICS_NAMESPACE = 'Tollgate';

export function metrics(operation: string, values: Record<string, number>): void {
  if (LEVELS.INFO < threshold()) return;
  const line = JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [['Operation']],
          Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    Operation: operation,
    ...values,
  });
  process.stdout.write(`${line}\n`);
}
