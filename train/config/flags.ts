// Command-line flags ↔ config keys. Every flag is a schema key in kebab-case; its value is coerced
// by the key's type in the schema, so the schema stays the only list of options.
import { z } from 'zod';
import { CONFIG_KEYS, type TrainConfigInput, TrainConfigSchema } from './schema';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const toFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const toKey = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Unwraps ZodDefault / ZodOptional to the type that decides how a flag's text is read. */
function baseType(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

function field(key: string): z.ZodType {
  return (TrainConfigSchema.shape as Record<string, z.ZodType>)[key]!;
}

function coerce(key: string, raw: string | true): unknown {
  const type = baseType(field(key));
  if (type instanceof z.ZodBoolean) {
    if (raw === true || raw === 'true') return true;
    if (raw === 'false') return false;
    throw new UsageError(`--${toFlag(key)} takes no value or true/false, got "${raw}"`);
  }
  if (raw === true) throw new UsageError(`--${toFlag(key)} needs a value`);
  if (type instanceof z.ZodNumber) return raw.trim() === '' ? Number.NaN : Number(raw);
  if (type instanceof z.ZodArray) return raw.split(',').map((v) => Number(v));
  return raw;
}

export interface ParsedArgs {
  method: string | undefined;
  overrides: TrainConfigInput;
  help: boolean;
}

/** `<method> --epochs 3 --batch-size=64 --resume --no-progress` → method + config overrides. */
export function parseTrainArgs(argv: readonly string[]): ParsedArgs {
  const overrides: Record<string, unknown> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let flag = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string | true | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (flag.startsWith('no-') && value === undefined) {
      flag = flag.slice(3);
      value = 'false';
    }
    const key = toKey(flag);
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      throw new UsageError(
        `unknown option --${flag}; valid options: ${CONFIG_KEYS.map((k) => `--${toFlag(k)}`).join(', ')}`,
      );
    }
    if (value === undefined) {
      const next = argv[i + 1];
      const isBoolean = baseType(field(key)) instanceof z.ZodBoolean;
      if (!isBoolean && next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else value = true;
    }
    overrides[key] = coerce(key, value);
  }
  if (positionals.length > 1) throw new UsageError(`expected one method, got: ${positionals.join(' ')}`);
  return { method: positionals[0], overrides: overrides as TrainConfigInput, help };
}

/** Turns a zod error on the config into flag-named messages ("--epochs: expected a positive integer"). */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path[0];
      const where = typeof key === 'string' ? `--${toFlag(key)}` : 'config';
      return `${where}: ${issue.message}`;
    })
    .join('\n');
}
