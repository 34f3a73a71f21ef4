/** Progress lines: redrawn in place with the time left on a terminal, plain lines elsewhere; the kit's waits. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { estimateLeft, formatDuration, progressLine, waitAwareOutput, type ProgressStream } from '../../src/terminal/progress.js';

function fakeStream(isTTY: boolean): ProgressStream & { out: string } {
  const s = { out: '', isTTY, columns: 120, write: (t: string) => ((s.out += t), true) };
  return s;
}

function fakeClock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

describe('progressLine', () => {
  it('off a terminal writes a plain line at each tenth, with the time left, and never a carriage return', () => {
    const stream = fakeStream(false);
    const clock = fakeClock();
    const p = progressLine({ label: 'seeding individuals', total: 1000, stream, clock: clock.now });
    for (let done = 0; done <= 1000; done += 50) {
      clock.t = done * 10; // 10 ms per individual
      p.update(done);
    }
    p.done('seeded 1000 individuals');
    const lines = stream.out.trimEnd().split('\n');
    expect(stream.out).not.toContain('\r');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('seeding individuals: 100/1,000 (10 %, 9 s left)');
    expect(lines[4]).toBe('seeding individuals: 500/1,000 (50 %, 5 s left)');
    expect(lines.at(-1)).toBe('seeded 1000 individuals');
  });

  it('on a terminal redraws one line in place (bar, amount, time left), at most every 100 ms, and clears it at the end', () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const p = progressLine({ label: 'seeding individuals', total: 1000, stream, clock: clock.now });
    clock.t = 1000;
    p.update(250);
    clock.t = 1050;
    p.update(260); // within 100 ms of the last draw: not drawn
    clock.t = 2000;
    p.update(500);
    expect(stream.out.split('\r\x1b[2K').filter(Boolean)).toEqual([
      '[#####...............] seeding individuals: 250/1,000 (25 %, 3 s left)',
      '[##########..........] seeding individuals: 500/1,000 (50 %, 2 s left)',
    ]);
    stream.out = '';
    p.log('a line of its own');
    expect(stream.out).toBe('\r\x1b[2Ka line of its own\n\r\x1b[2K[##########..........] seeding individuals: 500/1,000 (50 %, 2 s left)');
    stream.out = '';
    p.done();
    expect(stream.out).toBe('\r\x1b[2K');
  });

  it('a phase without a count replaces the amount', () => {
    const stream = fakeStream(false);
    const p = progressLine({ label: 'seeding individuals', total: 10, stream, clock: () => 0 });
    p.update(10, 'building the indexes');
    expect(stream.out).toBe('seeding individuals: building the indexes\n');
  });

  it('estimates the time left from the rate so far, once there is something to go on', () => {
    expect(estimateLeft(0, 100, 5000)).toBeUndefined();
    expect(estimateLeft(10, 100, 100)).toBeUndefined();
    expect(estimateLeft(25, 100, 10_000)).toBe(30_000);
    expect(estimateLeft(100, 100, 10_000)).toBe(0);
    expect([formatDuration(4_400), formatDuration(80_000), formatDuration(7_500_000)]).toEqual(['4 s', '1 min 20 s', '2 h 05 min']);
  });
});

describe('waitAwareOutput (the kit on a terminal)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows a wait line with a countdown until the next line, which clears it', () => {
    vi.useFakeTimers();
    const stream = fakeStream(true);
    const clock = fakeClock();
    const out = waitAwareOutput(stream, clock.now);
    out('  waiting 40 s for the token endpoint rate-limit window (5/min)');
    clock.t = 10_000;
    vi.advanceTimersByTime(500);
    expect(stream.out).toContain('  waiting 40 s for the token endpoint rate-limit window (5/min)\n');
    expect(stream.out).toMatch(/\r\x1b\[2K\[#####\.+\] {3}waiting: 10 s\/40 s \(25 %, 30 s left\)/);
    stream.out = '';
    out('  ✓ TR-06 token response fields');
    expect(stream.out).toBe('\r\x1b[2K  ✓ TR-06 token response fields\n');
    clock.t = 20_000;
    vi.advanceTimersByTime(1000);
    expect(stream.out).toBe('\r\x1b[2K  ✓ TR-06 token response fields\n');
  });

  it('off a terminal passes the lines through unchanged', () => {
    const stream = fakeStream(false);
    const out = waitAwareOutput(stream);
    out('  waiting Retry-After 30 s');
    out('done');
    expect(stream.out).toBe('  waiting Retry-After 30 s\ndone\n');
  });

  it('recognises every wait the kit announces (its messages in src/conformance)', () => {
    const dir = fileURLToPath(new URL('../../src/conformance/', import.meta.url));
    const templates = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\blog\(\s*`([^`]*)`/g)].map((m) => m[1]!))
      .filter((t) => /\bwaiting\b/.test(t));
    expect(templates.length).toBeGreaterThanOrEqual(3);
    for (const template of templates) {
      const stream = fakeStream(true);
      const line = template.replace(/\$\{[^}]*\}/g, '7');
      waitAwareOutput(stream, () => 0)(line);
      expect(stream.out, template).toContain('\r');
    }
  });
});
