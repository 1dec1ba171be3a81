// The datasets `npm run eval` evaluates on (quick mode: small evenly spread subsets); one that cannot be
// loaded becomes a note in the report instead of an error.
import { loadFashionMnist } from '../../train/data/fashion-mnist';
import { loadMnist } from '../../train/data/mnist';
import { spreadSubset } from '../../train/data/subset';
import type { EvalRun, Splits } from './run';

export async function evaluationData(
  run: EvalRun,
  wanted: ReadonlySet<string>,
): Promise<Record<string, Splits | string>> {
  const shrink = (s: Splits): Splits =>
    run.quick ? { train: spreadSubset(s.train, 2000), test: spreadSubset(s.test, 500) } : s;
  const out: Record<string, Splits | string> = {};
  if (wanted.has('mnist')) out.mnist = shrink(loadMnist());
  if (wanted.has('fashion-mnist')) {
    try {
      out['fashion-mnist'] = shrink(await loadFashionMnist());
    } catch (error) {
      out['fashion-mnist'] = `not evaluated: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return out;
}
