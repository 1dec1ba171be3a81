// The worker's hono app on plain Node with onnxruntime-node (scripts/bench/node-runtime.ts), serving
// models/ from disk on 127.0.0.1 — the baseline of `npm run bench:serve`. Prints "Ready on <url>" like
// wrangler dev. The benchmark routes are on (PRETEXT_BENCH=1), as in the benchmarked worker.
// --runtime web serves with onnxruntime-web's wasm on Node instead (scripts/bench/web-runtime.ts).
//   tsx scripts/bench/node-server.ts --port 8788 [--runtime node|web]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { createApp } from '../../worker/app';
import { diskStore } from './disk-store';
import { nodeRuntime } from './node-runtime';
import { webOnNodeRuntime } from './web-runtime';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8788' }, runtime: { type: 'string', default: 'node' } },
});
const port = Number(values.port);
if (values.runtime !== 'node' && values.runtime !== 'web') throw new Error('--runtime must be node or web');
const runtime = values.runtime === 'web' ? webOnNodeRuntime() : nodeRuntime();
const app = createApp({ store: diskStore(), runtime });
const env = { PRETEXT_BENCH: '1' };

/** A minimal Node ↔ fetch adapter (what @hono/node-server does, without the dependency). */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const request = new Request(`http://127.0.0.1:${port}${req.url ?? '/'}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
  const response = await app.fetch(request, env);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    res.writeHead(500).end();
  });
});
server.listen(port, '127.0.0.1', () => console.log(`Ready on http://127.0.0.1:${port}`));
// Never outlive the parent that started us (bench-serve.ts, a test): stop when stdin closes.
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
