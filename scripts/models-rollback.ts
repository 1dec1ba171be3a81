// npm run models:rollback -- <name> [--to <version>] [--url http://127.0.0.1:8787]
//
// Moves a model's `current` pointer back: to --to, or by default to the newest uploaded version older
// than the current one (semantic-version order). The version must still be whole and intact (the
// worker checks it again before the pointer moves). The admin token comes from PRETEXT_ADMIN_TOKEN.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareVersions } from '../worker/store/r2-layout';
import {
  AdminClient,
  AdminError,
  adminTokenFromEnv,
  DEFAULT_WORKER_URL,
  type VersionListing,
} from './publish/admin-client';

/** The version a rollback without --to goes to: the newest one below the current one. */
export function previousVersion(listing: VersionListing): string {
  if (listing.current === null) {
    throw new AdminError(`"${listing.model}" has no published version live: it is served from the bundle`);
  }
  const older = listing.versions
    .map((v) => v.version)
    .filter((v) => compareVersions(v, listing.current!) < 0)
    .sort(compareVersions);
  const target = older.at(-1);
  if (target === undefined) {
    throw new AdminError(`"${listing.model}" has no version older than ${listing.current} to roll back to`);
  }
  return target;
}

export async function rollback(
  client: AdminClient,
  name: string,
  to?: string,
): Promise<{ current: string; previous: string | null }> {
  const target = to ?? previousVersion(await client.versions(name));
  return client.moveCurrent(name, target);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: { to: { type: 'string' }, url: { type: 'string', default: DEFAULT_WORKER_URL } },
  });
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) {
    throw new AdminError('usage: npm run models:rollback -- <name> [--to <version>] [--url URL]');
  }
  const client = new AdminClient(values.url, adminTokenFromEnv());
  const moved = await rollback(client, name, values.to);
  console.log(`${name}: current ${moved.previous ?? '(bundled)'} → ${moved.current} on ${values.url}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof AdminError ? error.message : error);
    process.exitCode = 1;
  });
}
