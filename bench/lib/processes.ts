/** Child processes for servers under test: started, awaited until they answer, stopped. Loopback only. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  /** Milliseconds from spawn to the first successful answer of `readyUrl`. */
  startupMs: number;
  stop(): Promise<void>;
  rssMb(): number;
}

export async function startChild(command: string, args: string[], env: Record<string, string>, readyUrl: string, timeoutMs = 60_000): Promise<Child> {
  const started = performance.now();
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const deadline = started + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited (${proc.exitCode}):\n${output}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${command} did not answer ${readyUrl} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const startupMs = performance.now() - started;
  return {
    proc,
    startupMs,
    rssMb: () => {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}
