/** Shared set-up for the client tests: a fake server, its clock, and clients wired to it in-process. */
import { inspect } from 'node:util';
import { createSppClient, type SppClientOptions } from '../../src/client/index.js';
import { BASE_URL, FakeClock, FakeSpp, type FakeOptions } from './fake-spp.js';

/** A secret with every character Basic encoding must survive: `:` `+` `%` and a space. */
export const SECRET = 'p:ss+w%rd 2026/Ünï';
export const CLIENT_ID = 'ministry-of-agriculture';
export const MARIA = 'urn:gov:ph:psa:national-id|PH-123456789';

export function setup(options: Partial<Omit<FakeOptions, 'clock'>> = {}) {
  const clock = new FakeClock();
  const fake = new FakeSpp({ clock, clients: [{ clientId: CLIENT_ID, clientSecret: SECRET }], ...options });
  const client = (overrides: Partial<SppClientOptions> = {}) =>
    createSppClient({ baseUrl: BASE_URL, clientId: CLIENT_ID, clientSecret: SECRET, fetch: fake.fetch, clock, ...overrides });
  return { clock, fake, client };
}

/** Every token the fake issued, and the secret: none of them may appear in what an error shows. */
export function leaks(fake: FakeSpp, error: unknown): string[] {
  const e = error as Error;
  const shown = [e.message, String(e), JSON.stringify(e), e.stack ?? '', inspect(e, { depth: 10 })].join('\n');
  return [SECRET, encodeURIComponent(SECRET), ...fake.issued.keys()].filter((s) => shown.includes(s));
}
