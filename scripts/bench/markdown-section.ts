// BENCHMARKS.md holds one section per benchmark command between markers, so each command
// regenerates its own section and leaves the others alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function writeSection(path: string, id: string, body: string): void {
  const begin = `<!-- ${id}:begin -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : '# Benchmarks\n\nEvery number here is written by the command named in its section; rerun it to refresh.\n';
  const at = current.indexOf(begin);
  const next =
    at >= 0
      ? current.slice(0, at) + block + current.slice(current.indexOf(end) + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next.endsWith('\n') ? next : `${next}\n`);
}
