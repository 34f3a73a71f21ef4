// A bare Hono handler answering a fixed JSON object, the ceiling for the authenticated-read benchmark.
// Usage: node bench/peers/bare-hono.mjs PORT BODY_FILE
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const [port, bodyFile] = [Number(process.argv[2]), process.argv[3]];
const body = JSON.parse(readFileSync(bodyFile, 'utf8'));
const app = new Hono();
app.get('/api/v2/spp/Individual/:id', (c) => c.json(body));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`ready http://127.0.0.1:${port}`));
