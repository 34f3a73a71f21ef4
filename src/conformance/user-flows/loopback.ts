/**
 * The interactive user step, as the OpenID Foundation's suite does it: the kit prints the authorization URL,
 * a person signs in with a browser, and the authorization server redirects the browser to the client's redirect
 * URI — a loopback address where the kit listens (RFC 8252 §7.3). The first request that arrives is the answer.
 */
import { createServer, type Server } from 'node:http';

/** Listens on the redirect URI's address until the browser arrives or `waitMs` passes; the URL the browser asked for, or undefined. */
export async function awaitRedirect(redirectUri: string, waitMs: number, onListening: () => void): Promise<URL | undefined> {
  const target = new URL(redirectUri);
  let server: Server | undefined;
  try {
    return await new Promise<URL | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      server = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end('<!DOCTYPE html><title>spp-kit</title><p>spp-kit received the redirect. You can close this tab.</p>');
        clearTimeout(timer);
        resolve(new URL(req.url ?? '/', `${target.protocol}//${target.host}`));
      });
      server.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot listen on ${target.host} for the redirect: ${e.message}`));
      });
      server.listen(Number(target.port), target.hostname.replace(/^\[|\]$/g, ''), onListening);
    });
  } finally {
    await new Promise<void>((r) => {
      if (!server?.listening) return r();
      server.close(() => r());
      server.closeAllConnections();
    });
  }
}
