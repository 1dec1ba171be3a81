// The repository's import graph, read with TypeScript's own pre-parser (static imports, re-exports,
// `import('…')` calls and types alike), and the rule the arrows must follow (DESIGN.md, STYLE.md 13):
// scripts → train → worker/contract ← worker. tfjs must never reach the worker bundle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, relative to the repository root, with forward slashes. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The file it resolves to (relative specifiers), or undefined for a package. */
  to: string | undefined;
}

const CONTRACT = 'worker/contract/';
/** Packages the contract may use: its code must run in Node (training) and in workerd and browsers. */
export const CONTRACT_PACKAGES: readonly string[] = ['zod', 'fast-png', 'jpeg-js'];

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(root, path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import of every .ts file under `dirs`. */
export function importGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  return dirs.flatMap((dir) =>
    sourceFiles(root, dir).flatMap((from) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
      return importedFiles.map(({ fileName: specifier }) => ({
        from,
        specifier,
        to: specifier.startsWith('.')
          ? relative(root, normalize(join(root, dirname(from), specifier))).replaceAll('\\', '/')
          : undefined,
      }));
    }),
  );
}

const under = (path: string | undefined, dir: string) => path !== undefined && `${path}/`.startsWith(dir);
const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

/** The edges that break the one-way rule, each as a sentence that says which rule. */
export function wrongWayImports(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const { from, specifier, to } of edges) {
    const edge = `${from} imports "${specifier}"`;
    if (under(from, 'worker/')) {
      if (under(to, 'train/') || under(to, 'scripts/') || under(to, 'test/')) {
        problems.push(`${edge}: worker/ never imports train/, scripts/ or test/`);
      }
      if (to === undefined && /^(@tensorflow\/|onnxruntime-node)/.test(specifier)) {
        problems.push(`${edge}: tfjs and onnxruntime-node must not reach the worker`);
      }
    }
    if (under(from, 'train/') && under(to, 'worker/') && !under(to, CONTRACT)) {
      problems.push(`${edge}: train/ imports nothing from worker/ but worker/contract/`);
    }
    if (under(from, CONTRACT)) {
      if (to !== undefined && !under(to, CONTRACT)) {
        problems.push(`${edge}: worker/contract/ imports only itself (and ${CONTRACT_PACKAGES.join(', ')})`);
      } else if (to === undefined && !CONTRACT_PACKAGES.includes(packageOf(specifier))) {
        problems.push(`${edge}: worker/contract/ may use only ${CONTRACT_PACKAGES.join(', ')}`);
      }
    }
  }
  return problems;
}
