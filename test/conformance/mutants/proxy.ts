/**
 * A deliberately faulty target: a small HTTP proxy on 127.0.0.1 in front of the reference server that rewrites
 * requests or answers according to a mutation (strip a header, accept any token, leak existence...). The kit,
 * pointed at the proxy, must fail with the requirement id the fault breaks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRequest {
  method: string;
  /** Path and query, e.g. /api/v2/spp/Individual?_count=1 */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Upstream {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Sends a request to the real server (mutations use it to look things up). */
  fetch(req: ProxyRequest): Promise<ProxyResponse>;
}

export interface Mutation {
  request?(req: ProxyRequest, upstream: Upstream): ProxyRequest | Promise<ProxyRequest>;
  response?(res: ProxyResponse, req: ProxyRequest, upstream: Upstream): ProxyResponse | Promise<ProxyResponse>;
}

const HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding', 'accept-encoding']);

function headersOf(msg: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.headers)) if (v !== undefined && !HOP.has(k)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readBody(msg: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of msg) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface RunningProxy {
  origin: string;
  port: number;
  setUpstream(origin: string): void;
  close(): Promise<void>;
}

export async function startProxy(mutation: Mutation): Promise<RunningProxy> {
  let upstreamOrigin = '';
  const upstream: Upstream = {
    get origin() {
      return upstreamOrigin;
    },
    async fetch(req) {
      const res = await fetch(`${upstreamOrigin}${req.url}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body && req.method !== 'GET' && req.method !== 'HEAD' ? { body: req.body } : {}),
        redirect: 'manual',
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        if (!HOP.has(k)) headers[k] = v;
      });
      return { status: res.status, headers, body: await res.text() };
    },
  };
  const handle = async (msg: IncomingMessage, out: ServerResponse) => {
    try {
      let req: ProxyRequest = { method: msg.method ?? 'GET', url: msg.url ?? '/', headers: headersOf(msg), body: await readBody(msg) };
      if (mutation.request) req = await mutation.request(req, upstream);
      let res = await upstream.fetch(req);
      if (mutation.response) res = await mutation.response(res, req, upstream);
      out.writeHead(res.status, { ...res.headers, 'content-length': String(Buffer.byteLength(res.body)) });
      out.end(res.body);
    } catch (e) {
      out.writeHead(502, { 'content-type': 'text/plain' });
      out.end(`proxy error: ${(e as Error).message}`);
    }
  };
  const server: Server = createServer((m, o) => void handle(m, o));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    setUpstream(origin) {
      upstreamOrigin = origin;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ── helpers for mutations ──────────────────────────────────────────────────────────────────────────────────

export const isTokenEndpoint = (req: ProxyRequest) => req.url.split('?')[0]!.endsWith('/oauth/token');

/** A request to the API proper: not the token endpoint, discovery, the OpenAPI document or the docs. */
export const isApi = (req: ProxyRequest) =>
  !isTokenEndpoint(req) && !req.url.includes('/.well-known/') && !/\/(metadata|openapi\.json|docs)(\?|$)/.test(req.url);

export function json(res: ProxyResponse): any {
  try {
    return JSON.parse(res.body);
  } catch {
    return undefined;
  }
}

export function withJson(res: ProxyResponse, body: unknown): ProxyResponse {
  return { ...res, body: JSON.stringify(body) };
}

export function without(res: ProxyResponse, ...names: string[]): ProxyResponse {
  const lower = names.map((n) => n.toLowerCase());
  return { ...res, headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !lower.includes(k.toLowerCase()))) };
}

export function header(obj: Record<string, string>, name: string): string | undefined {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k ? obj[k] : undefined;
}

export function setHeader(obj: Record<string, string>, name: string, value: string | undefined): Record<string, string> {
  const out = Object.fromEntries(Object.entries(obj).filter(([k]) => k.toLowerCase() !== name.toLowerCase()));
  if (value !== undefined) out[name] = value;
  return out;
}

/** A token of a demo client, fetched once per upstream server (each mutant has its own server and issuer). */
export function tokenSource(clientId: string, clientSecret: string): (upstream: Upstream) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  return (upstream) => {
    let p = cache.get(upstream.origin);
    if (!p) {
      p = upstream
        .fetch({
          method: 'POST',
          url: '/api/v2/spp/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
        })
        .then((r) => {
          const t = json(r)?.access_token;
          if (typeof t !== 'string') throw new Error(`the proxy could not get a token for ${clientId}: ${r.status}`);
          return t;
        });
      cache.set(upstream.origin, p);
    }
    return p;
  };
}

export function bearerOf(req: ProxyRequest): string | undefined {
  const h = header(req.headers, 'authorization');
  const m = h ? /^bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1];
}

export function claimsOf(token: string): Record<string, any> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
