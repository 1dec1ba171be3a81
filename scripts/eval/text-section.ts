// A text model's part of the report: masked-word and word-order scores against their baselines, and the
// nearest neighbours of its sentence embeddings.
import { join } from 'node:path';
import { evaluateTextArtifact } from '../../train/text/report';
import { formatNumber, markdownTable } from './markdown';
import type { EvalRun } from './run';

export async function textSection(run: EvalRun, name: string): Promise<string> {
  run.log(`${name} (text)`);
  try {
    const { metrics: t, neighbours } = await evaluateTextArtifact(join(run.modelsDir, name));
    const f = (v: number | undefined) => formatNumber(v, 3);
    return [
      `### ${name}: masked words and word order (test sentences of its corpus)`,
      '',
      markdownTable(
        ['metric', 'model', 'baseline'],
        [
          ['masked word top-1', f(t.maskedTop1), `${f(t.unigramTop1)} (unigram frequency)`],
          ['masked word top-5', f(t.maskedTop5), `${f(t.unigramTop5)} (unigram frequency)`],
          ['word order exact match', f(t.orderExactMatch), `${f(t.randomExactMatch)} (random order)`],
          ["word order Kendall's τ", f(t.orderKendallTau), `${f(t.randomKendallTau)} (random order)`],
        ],
      ),
      '',
      'Nearest neighbours of the sentence embeddings (mean-pooled encoder states, cosine):',
      '',
      neighbours,
      '',
    ].join('\n');
  } catch (error) {
    return `### ${name}\n\nnot evaluated: ${(error as Error).message.split('\n')[0]}\n`;
  }
}
