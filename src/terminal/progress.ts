/**
 * Progress for long work (seeding a million people, a benchmark, the kit waiting for a rate-limit window): on a
 * terminal, one line redrawn in place with a bar and the time left; anywhere else (a log file, CI), plain lines
 * now and then, never carriage returns. Shared by the CLI, the benchmark and the kit; no dependencies.
 */

/** Where progress goes: a Node stream (process.stderr) or anything shaped like one (tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

export interface ProgressOptions {
  /** What is being done, e.g. `seeding individuals`. */
  label: string;
  /** How much there is to do, in the unit of `update`. */
  total: number;
  /** How an amount is shown (default: digits grouped by thousands). */
  format?: (amount: number) => string;
  stream?: ProgressStream;
  /** Milliseconds; injected by tests. */
  clock?: () => number;
  /** Off a terminal, a plain line each time another this-much fraction is done (default 0.1); 0 for none. */
  plainStep?: number;
}

export interface ProgressLine {
  /** How much is done so far (0 … total). `note` replaces the amount, e.g. for a phase without a count. */
  update(done: number, note?: string): void;
  /** Prints a line of text without breaking the progress line (which is redrawn below it). */
  log(text: string): void;
  /** Ends the progress: the line is replaced by `message`, if any. */
  done(message?: string): void;
}

const REDRAW_MS = 100;
const BAR = 20;

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `3 s`, `1 min 20 s`, `2 h 05 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Time left, from the rate so far; undefined until there is enough to go on. */
export function estimateLeft(done: number, total: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs < 500 || done >= total) return done >= total ? 0 : undefined;
  return (elapsedMs / done) * (total - done);
}

export function progressLine(options: ProgressOptions): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const clock = options.clock ?? (() => performance.now());
  const format = options.format ?? formatCount;
  const tty = Boolean(stream.isTTY);
  const step = options.plainStep ?? 0.1;
  const started = clock();
  let drawn = false;
  let lastDraw = -Infinity;
  let nextPlain = step;
  let current = { done: 0, note: undefined as string | undefined };

  const text = () => {
    const { done, note } = current;
    const fraction = options.total > 0 ? Math.min(1, done / options.total) : 1;
    const left = estimateLeft(done, options.total, clock() - started);
    const amount = note ?? `${format(done)}/${format(options.total)}`;
    const eta = note ? '' : left === undefined ? '' : `, ${formatDuration(left)} left`;
    return { fraction, line: note ? `${options.label}: ${note}` : `${options.label}: ${amount} (${Math.floor(fraction * 100)} %${eta})` };
  };
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = () => {
    const { fraction, line } = text();
    const filled = Math.round(fraction * BAR);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] `;
    const width = Math.max(20, (stream.columns || 80) - 1);
    stream.write(`\r\x1b[2K${(bar + line).slice(0, width)}`);
    drawn = true;
    lastDraw = clock();
  };

  return {
    update(done, note) {
      current = { done, note };
      if (tty) {
        if (note !== undefined || clock() - lastDraw >= REDRAW_MS) draw();
        return;
      }
      const { fraction, line } = text();
      if (note !== undefined || (step > 0 && fraction >= nextPlain && fraction < 1)) {
        stream.write(`${line}\n`);
        while (step > 0 && nextPlain <= fraction) nextPlain += step;
      }
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      if (tty) draw();
    },
    done(message) {
      clear();
      if (message !== undefined) stream.write(`${message}\n`);
    },
  };
}

/** How the kit says it waits for a rate-limit window: `waiting 42 s …` or `waiting Retry-After 30 s`. */
const WAIT_LINE = /\bwaiting (?:Retry-After )?(\d+) s\b/;

/**
 * Line output (for the kit's progress lines) that, on a terminal, follows a line announcing a wait with a
 * countdown line — until the wait is over or the next line arrives. Off a terminal the lines pass unchanged.
 */
export function waitAwareOutput(stream: ProgressStream = process.stdout, clock?: () => number): (line: string) => void {
  let active: { line: ProgressLine; timer: ReturnType<typeof setInterval> } | undefined;
  const stop = () => {
    if (!active) return;
    clearInterval(active.timer);
    active.line.done();
    active = undefined;
  };
  return (text) => {
    stop();
    stream.write(`${text}\n`);
    const seconds = stream.isTTY ? Number(WAIT_LINE.exec(text)?.[1] ?? 0) : 0;
    if (seconds <= 0) return;
    const now = clock ?? (() => performance.now());
    const started = now();
    const totalMs = seconds * 1000;
    const line = progressLine({ label: '  waiting', total: totalMs, format: (ms) => formatDuration(ms), stream, clock: now });
    const tick = () => {
      const elapsed = now() - started;
      if (elapsed >= totalMs) return stop();
      line.update(elapsed);
    };
    const timer = setInterval(tick, 250);
    timer.unref?.();
    active = { line, timer };
    tick();
  };
}
