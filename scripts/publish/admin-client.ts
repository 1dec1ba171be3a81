// The admin API of a running worker (worker/routes/admin-models.ts), for models:publish and
// models:rollback. The token comes from the PRETEXT_ADMIN_TOKEN environment variable, never from a flag
// (flags land in shell history and `ps`), and is never printed.

import { sha256Hex } from '../../train/export/artifact';

export const TOKEN_VARIABLE = 'PRETEXT_ADMIN_TOKEN';
export const DEFAULT_WORKER_URL = 'http://127.0.0.1:8787';

export interface VersionListing {
  model: string;
  current: string | null;
  versions: { version: string; files: { file: string; bytes: number; sha256?: string }[] }[];
}

export class AdminError extends Error {
  override name = 'AdminError';
}

export function adminTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const token = env[TOKEN_VARIABLE];
  if (token === undefined || token === '') {
    throw new AdminError(
      `${TOKEN_VARIABLE} is not set: export the worker's ADMIN_TOKEN in it (e.g. \`read -s ${TOKEN_VARIABLE}; export ${TOKEN_VARIABLE}\`)`,
    );
  }
  return token;
}

export class AdminClient {
  readonly #base: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.#base = url.replace(/\/+$/, '');
    this.#token = token;
  }

  versions(name: string): Promise<VersionListing> {
    return this.#call('GET', `/admin/models/${name}/versions`);
  }

  putFile(name: string, version: string, file: string, bytes: Uint8Array): Promise<{ created: boolean }> {
    return this.#call('PUT', `/admin/models/${name}/versions/${version}/${file}`, bytes, {
      'content-type': 'application/octet-stream',
      'x-content-sha256': sha256Hex(bytes),
    });
  }

  moveCurrent(name: string, version: string): Promise<{ current: string; previous: string | null }> {
    return this.#call('POST', `/admin/models/${name}/current`, JSON.stringify({ version }), {
      'content-type': 'application/json',
    });
  }

  async #call<T>(
    method: string,
    path: string,
    body?: Uint8Array | string,
    headers: Record<string, string> = {},
  ) {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        body:
          typeof body === 'string' || body === undefined ? body : new Blob([body as Uint8Array<ArrayBuffer>]),
        headers: { ...headers, authorization: `Bearer ${this.#token}` },
      });
    } catch (error) {
      throw new AdminError(
        `cannot reach the worker at ${this.#base} (${(error as Error).message}); is it running?`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {}
      throw new AdminError(`${method} ${path} → ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
}
