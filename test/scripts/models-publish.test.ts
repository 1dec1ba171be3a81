// models:publish and models:rollback: every check refuses a bad model before anything is uploaded, and
// end to end against `wrangler dev` (miniflare's local R2, its own state directory) a publish puts a
// version live and a rollback takes it back.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishRefused, publishModel, validateModel } from '../../scripts/models-publish';
import { rollback } from '../../scripts/models-rollback';
import { AdminClient } from '../../scripts/publish/admin-client';
import { sha256Hex } from '../../train/export/artifact';

const REPO_ROOT = join(import.meta.dirname, '../..');
const BIN = join(REPO_ROOT, 'node_modules/.bin');
const NAME = 'mnist-mlp-ae';
const TOKEN = `test-${Math.random().toString(36).slice(2)}`;
const tempDirs: string[] = [];

/** A copy of the committed model in a temp dir, its manifest changed by `edit`. */
function modelCopy(edit: (manifest: Record<string, unknown>) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-publish-'));
  tempDirs.push(dir);
  cpSync(join(REPO_ROOT, 'models', NAME), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/** For tests of the graph alone: the manifest without the reference index built by the original graph. */
function withoutIndex(manifest: Record<string, unknown>): void {
  delete manifest['reference'];
  manifest['tasks'] = (manifest['tasks'] as string[]).filter((task) => task !== 'neighbors');
}

async function refusal(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublishRefused);
  return (error as PublishRefused).problems;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('validateModel', () => {
  it('accepts the committed model and lists its files, manifest last', async () => {
    const { manifest, files } = await validateModel(NAME, join(REPO_ROOT, 'models', NAME), {
      min: { psnr: 18 },
      max: { mse: 0.02 },
    });
    expect(manifest.name).toBe(NAME);
    expect(files.map((f) => f.file)).toEqual([
      'model.onnx',
      'model.q8.onnx',
      'reference-vectors.bin',
      'reference-labels.bin',
      'reference-images.bin.gz',
      'manifest.json',
    ]);
  });

  it('refuses reference files that match their sha256 but not what the manifest says', async () => {
    const labels = new Uint8Array(2004).fill(10);
    const dir = modelCopy((m) => {
      const reference = m['reference'] as { labels: { sha256: string } };
      reference.labels.sha256 = sha256Hex(labels);
    });
    writeFileSync(join(dir, 'reference-labels.bin'), labels);
    expect(await refusal(validateModel(NAME, dir))).toEqual([
      'reference-labels.bin does not hold what the manifest says: it has class 10 in row 0, but there are 10 classes',
    ]);
  });

  it('refuses a manifest that fails the schema, saying where', async () => {
    const dir = modelCopy((m) => {
      m['version'] = 'one';
      delete m['dataset'];
    });
    expect(await refusal(validateModel(NAME, dir))).toEqual([
      'manifest.version: version must be MAJOR.MINOR.PATCH',
      'manifest.dataset: Invalid input: expected object, received undefined',
    ]);
  });

  it('refuses a manifest of another model, and a graph whose sha256 is not the manifest one', async () => {
    expect(await refusal(validateModel('other-model', modelCopy()))).toEqual([
      'manifest.json names "mnist-mlp-ae", not "other-model"',
    ]);
    const dir = modelCopy();
    writeFileSync(join(dir, 'model.onnx'), 'not the graph');
    const [problem] = await refusal(validateModel(NAME, dir));
    expect(problem).toMatch(
      /^the sha256 of model\.onnx is [0-9a-f]{64}, but the manifest says [0-9a-f]{64}$/,
    );
  });

  it('refuses bytes that onnxruntime-node cannot load, even with a matching sha256', async () => {
    const garbage = new TextEncoder().encode('this is not an ONNX graph');
    const dir = modelCopy((m) => {
      withoutIndex(m);
      m['onnx'] = { ...(m['onnx'] as object), sha256: sha256Hex(garbage), bytes: garbage.byteLength };
      delete m['variants']; // made from the real model.onnx, which this replaces
    });
    writeFileSync(join(dir, 'model.onnx'), garbage);
    const [problem] = await refusal(validateModel(NAME, dir));
    expect(problem).toMatch(/^onnxruntime-node cannot load model\.onnx: /);
  });

  it('refuses a graph whose outputs do not have the declared shapes', async () => {
    const dir = modelCopy((m) => {
      withoutIndex(m);
      const outputs = m['outputs'] as Record<string, { shape: number[] }>;
      outputs['embedding']!.shape = [16];
    });
    expect(await refusal(validateModel(NAME, dir))).toEqual([
      'model.onnx output "embedding" has shape [16, 32], the manifest declares [16, 16]',
      'model.q8.onnx output "embedding" has shape [16, 32], the manifest declares [16, 16]',
    ]);
  });

  it('checks an int8 variant like any other graph: its sha256, and that it loads', async () => {
    const corrupted = modelCopy();
    writeFileSync(join(corrupted, 'model.q8.onnx'), 'not the variant');
    const [problem] = await refusal(validateModel(NAME, corrupted));
    expect(problem).toMatch(
      /^the sha256 of model\.q8\.onnx is [0-9a-f]{64}, but the manifest says [0-9a-f]{64}$/,
    );
    const garbage = new TextEncoder().encode('this is not an ONNX graph either');
    const unloadable = modelCopy((m) => {
      const q8 = (m['variants'] as { q8: { onnx: object } }).q8;
      q8.onnx = { ...q8.onnx, sha256: sha256Hex(garbage), bytes: garbage.byteLength };
    });
    writeFileSync(join(unloadable, 'model.q8.onnx'), garbage);
    const [loadProblem] = await refusal(validateModel(NAME, unloadable));
    expect(loadProblem).toMatch(/^onnxruntime-node cannot load model\.q8\.onnx: /);
  });

  it('refuses metrics past the thresholds, and a threshold on a metric the manifest lacks', async () => {
    const problems = await refusal(
      validateModel(NAME, modelCopy(), { min: { psnr: 30, accuracy: 0.9 }, max: { mse: 0.001 } }),
    );
    expect(problems).toEqual([
      'metric psnr = 19.5992 is below the threshold 30',
      'metric "accuracy" is not in the manifest (its metrics: mse, psnr)',
      'metric mse = 0.0109668 is above the threshold 0.001',
    ]);
  });
});

describe('npm run models:publish', () => {
  it('exits 1 on a metric below its threshold without sending a single request', async () => {
    const requests: string[] = [];
    const server = createHttpServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
        execFile(
          join(BIN, 'tsx'),
          ['scripts/models-publish.ts', NAME, '--url', `http://127.0.0.1:${port}`, '--min-metric', 'psnr=30'],
          { cwd: REPO_ROOT, env: { ...process.env, PRETEXT_ADMIN_TOKEN: TOKEN } },
          (error, stdout, stderr) =>
            resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
        );
      });
      expect(result.code).toBe(1);
      expect(result.output).toContain(
        '"mnist-mlp-ae" is not published:\n  - metric psnr = 19.5992 is below the threshold 30',
      );
      expect(result.output).not.toContain(TOKEN);
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe('publish and roll back against wrangler dev', () => {
  let child: ChildProcess | undefined;
  let url = '';
  let state = '';

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'pretext-wrangler-'));
    tempDirs.push(state);
    const [port, inspector] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      join(BIN, 'wrangler'),
      [
        'dev',
        ...['--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector)],
        ...['--persist-to', state, '--var', `ADMIN_TOKEN:${TOKEN}`, '--var', 'MODEL_POINTER_TTL_S:0'],
        '--show-interactive-dev-session=false',
      ],
      {
        cwd: REPO_ROOT,
        detached: true, // its own process group: stopping it also stops the workerd it starts
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${BIN}:${process.env['PATH'] ?? ''}`,
          WRANGLER_SEND_METRICS: 'false',
          CI: '1',
        },
      },
    );
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready:\n${log}`)), 110_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited with ${code}:\n${log}`));
      });
    });
  }, 120_000);

  afterAll(async () => {
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child!.pid!, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  });

  const embedVersion = async () => {
    const response = await fetch(`${url}/v1/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: NAME, images: [Array.from({ length: 784 }, () => 0)] }),
    });
    expect(response.status).toBe(200);
    return response.headers.get('x-model-version');
  };

  const neighborsVersion = async () => {
    const response = await fetch(`${url}/v1/neighbors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: NAME, images: [Array.from({ length: 784 }, () => 0.5)], k: 2 }),
    });
    expect(response.status).toBe(200);
    return response.headers.get('x-model-version');
  };

  it('serves v2 after publishing it, and v1 again after a rollback', async () => {
    const client = new AdminClient(url, TOKEN);
    for (const version of ['1.1.0', '2.0.0']) {
      const model = await validateModel(
        NAME,
        modelCopy((m) => (m['version'] = version)),
      );
      expect((await publishModel(client, model)).version).toBe(version);
    }
    expect(await embedVersion()).toBe('2.0.0');
    expect(await neighborsVersion()).toBe('2.0.0'); // the reference index was published with the graph
    expect(await rollback(client, NAME)).toEqual({ model: NAME, current: '1.1.0', previous: '2.0.0' });
    expect(await embedVersion()).toBe('1.1.0');
    expect(await neighborsVersion()).toBe('1.1.0');
    // A wrong token changes nothing.
    await expect(new AdminClient(url, 'wrong').moveCurrent(NAME, '2.0.0')).rejects.toThrow(
      /403: The admin token is not valid/,
    );
    expect(await embedVersion()).toBe('1.1.0');
  });
});
