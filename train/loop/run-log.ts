// What a run leaves beside its checkpoint: metrics.jsonl (one JSON object per step and per epoch)
// and loss.svg (the loss curve), plus the progress bar on the terminal.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { lossCurveSvg } from '../eval/plots';
import type { EpochRecord, LoopPosition } from './checkpoint';

export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  samplesPerSecond: number;
}

export interface ProgressBar {
  update(step: number, payload: { loss: string; speed: string }): void;
  log(line: string): void;
  stop(): void;
}

export class RunLog {
  readonly metricsPath: string;
  readonly plotPath: string;
  private stepLoss: number[] = [];
  private epochs: EpochRecord[] = [];

  constructor(readonly runDir: string) {
    mkdirSync(runDir, { recursive: true });
    this.metricsPath = join(runDir, 'metrics.jsonl');
    this.plotPath = join(runDir, 'loss.svg');
  }

  /** Starts the metrics file afresh, or (on resume) rewrites it up to the checkpoint's step. */
  restart(position: LoopPosition): void {
    this.stepLoss = [...position.stepLoss];
    this.epochs = [...position.epochs];
    const lines = [
      ...position.stepLoss.map((loss, i) => JSON.stringify({ type: 'step', step: i + 1, loss })),
      ...position.epochs.map((e) => JSON.stringify({ type: 'epoch', ...e })),
    ];
    writeFileSync(this.metricsPath, lines.length ? `${lines.join('\n')}\n` : '');
  }

  step(r: StepRecord): void {
    this.stepLoss.push(r.loss);
    appendFileSync(this.metricsPath, `${JSON.stringify({ type: 'step', ...r })}\n`);
  }

  epoch(r: EpochRecord): void {
    this.epochs.push(r);
    appendFileSync(this.metricsPath, `${JSON.stringify({ type: 'epoch', ...r })}\n`);
  }

  async plot(): Promise<void> {
    if (this.stepLoss.length === 0) return;
    writeFileSync(this.plotPath, await lossCurveSvg(this.stepLoss, this.epochs));
  }

  /** A bar with loss, samples/s and ETA; on a non-terminal it prints a plain line every 10 s. */
  progressBar(enabled: boolean, total: number, start: number): ProgressBar | undefined {
    if (!enabled) return undefined;
    const bar = new cliProgress.SingleBar(
      {
        format:
          '{bar} {percentage}% | step {value}/{total} | loss {loss} | {speed} samples/s | ETA {eta_formatted}',
        stream: process.stderr,
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 10_000,
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { loss: '-', speed: '-' });
    return {
      update: (step, payload) => bar.update(step, payload),
      log: (line) => {
        // cli-progress redraws on the same line: clear it, print, and let the next update redraw.
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
        process.stderr.write(`${line}\n`);
      },
      stop: () => bar.stop(),
    };
  }
}
