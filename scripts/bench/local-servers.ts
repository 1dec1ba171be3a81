// Starts the API locally on a free 127.0.0.1 port — the worker under `wrangler dev`, or the same app on
// plain Node — waits for "Ready on", and stops it by its process group. Used by bench:serve and the
// typed client's test; a server never outlives the process that started it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface LocalServer {
  url: string;
  pid: number;
  /** performance.now() when the process was spawned, and when it printed "Ready on". */
  spawnedAt: number;
  readyAt: number;
  /** Everything it printed so far (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

const running = new Set<ChildProcess>();
function killAll(): void {
  for (const child of running) killGroup(child);
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM'); // the group: wrangler and the workerd it started
  } catch {
    // already gone
  }
}

async function start(command: string, args: string[], timeoutMs: number, port: number): Promise<LocalServer> {
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    detached: true, // its own process group, so stop() reaches workerd too
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  running.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    killGroup(child);
    const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    running.delete(child);
  };
  const readyAt = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${command} did not print "Ready on" within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('Ready on')) {
        clearTimeout(timer);
        resolve(performance.now());
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    spawnedAt,
    readyAt,
    output: () => output,
    stop,
  };
}

/** `wrangler dev` on a free port, with `vars` as --var bindings (e.g. PRETEXT_BENCH: '1'). */
export async function startWrangler(vars: Record<string, string> = {}, timeoutMs = 120_000) {
  const port = await freePort();
  const inspector = await freePort();
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  return start(
    'node_modules/.bin/wrangler',
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), ...varArgs],
    timeoutMs,
    port,
  );
}

/** The same app on plain Node with onnxruntime-node, or onnxruntime-web's wasm (scripts/bench/node-server.ts). */
export async function startNodeServer(timeoutMs = 60_000, runtime: 'node' | 'web' = 'node') {
  const port = await freePort();
  return start(
    'node_modules/.bin/tsx',
    ['scripts/bench/node-server.ts', '--port', String(port), '--runtime', runtime],
    timeoutMs,
    port,
  );
}
