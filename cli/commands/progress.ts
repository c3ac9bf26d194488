import cliProgress from 'cli-progress';

export interface Progress {
  /** A spinner with a message while waiting; returns its stop. */
  spin(message: string): () => void;
  /** A byte bar for a download (`total` unknown: a running count). */
  bar(total: number | undefined): { update(bytes: number): void; stop(): void };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Progress on stderr, shown only to a person at a terminal (never with --json or in a pipe). */
export function progress(enabled = Boolean(process.stderr.isTTY)): Progress | undefined {
  if (!enabled) return undefined;
  const out = process.stderr;
  return {
    spin(message) {
      const started = Date.now();
      let frame = 0;
      const draw = () =>
        out.write(
          `\r${FRAMES[frame++ % FRAMES.length]} ${message} (${Math.round((Date.now() - started) / 1000)} s)`,
        );
      draw();
      const timer = setInterval(draw, 100);
      return () => {
        clearInterval(timer);
        out.write('\r\x1b[2K');
      };
    },
    bar(total) {
      const bar = new cliProgress.SingleBar(
        {
          stream: out,
          hideCursor: true,
          format: total
            ? 'downloading [{bar}] {percentage}% {value}/{total} bytes'
            : 'downloading {value} bytes',
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total ?? 0, 0);
      return { update: (bytes) => bar.update(bytes), stop: () => bar.stop() };
    },
  };
}
