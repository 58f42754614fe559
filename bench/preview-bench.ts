/**
 * Measures the editor's live preview against probing. It uses a realistic HOME and edits one file
 * at a time (~/.bashrc, ~/.profile, ~/.zshrc, config.fish, the Go env file). For each, it times the
 * preview of a draft and a scan of exactly the contexts the file affects, alternating in the same
 * run. It prints the medians and the ratio preview/probe.
 *
 * Usage: npm run bench [-- --runs N] (every benchmark), or node --import tsx bench/preview-bench.ts [--runs N]
 */
import path from 'node:path';

import { createApiService } from '../src-main/engine/api-service.ts';
import { runScan } from '../src-main/engine/scan.ts';
import { DEFAULT_PROBE_DEADLINE_MS } from '../src-main/engine/probe/limits.ts';
import { createRealisticHome, realisticEnvironment } from './realistic-home.ts';
import { describeMachine, median, parseRunsOption } from './stats.ts';

/** Measured runs per file when `--runs` is not given. */
const DEFAULT_RUNS = 7;
/** The ratio preview/probe the preview aims to stay under. */
const TARGET_RATIO = 1.2;
/** Shells whose files are edited below. */
const SHELLS = ['bash', 'dash', 'zsh', 'fish'];

/** One edited file: where it is, and the line the draft appends. */
const EDITS: { file: string; line: string }[] = [
  { file: '.bashrc', line: 'export GOFLAGS=-mod=mod' },
  { file: '.profile', line: 'export GOBIN="$HOME/bin"' },
  { file: '.zshrc', line: 'export GOPRIVATE=example.test' },
  { file: '.config/fish/config.fish', line: 'set -gx GOPRIVATE example.test' },
  { file: '.config/go/env', line: 'GOPRIVATE=example.test' },
];

async function main(): Promise<void> {
  const runs = parseRunsOption(DEFAULT_RUNS);
  console.log('Go Env Lens editor preview benchmark');
  console.log(describeMachine());
  console.log(`${runs} runs each, preview and probe alternating, after one warm-up pair; medians.`);

  const { home, remove } = await createRealisticHome();
  try {
    const environment = realisticEnvironment(home, { GO_ENV_LENS_DATA_DIR: path.join(path.dirname(home), 'data') });
    const service = createApiService({ host: 'cli', environment, baseEnvironment: 'self', defaultShells: SHELLS });
    const latest = await service.handlers['scan.run']({});
    console.log('');
    console.log(
      `${'edited file'.padEnd(26)} ${'contexts'.padStart(8)} ${'probe'.padStart(10)} ${'preview'.padStart(10)}  ratio (target ≤ ${TARGET_RATIO})`,
    );
    for (const edit of EDITS) {
      const file = path.join(home, edit.file);
      const opened = await service.handlers['edit.open']({ path: file });
      const drafts = [{ path: file, text: `${opened.text}${opened.text === '' || opened.text.endsWith('\n') ? '' : '\n'}${edit.line}\n` }];
      let contextIds: string[] = [];
      const previewTimes: number[] = [];
      const probeTimes: number[] = [];
      for (let run = 0; run <= runs; run += 1) {
        let started = performance.now();
        const preview = await service.handlers['edit.preview']({ drafts });
        const previewMs = performance.now() - started;
        contextIds = preview.contexts.map((context) => context.contextId);
        const shells = [
          ...new Set(
            latest.contexts
              .filter((context) => contextIds.includes(context.id) && context.mode !== 'desktop' && context.mode !== 'script')
              .map((context) => context.shell!),
          ),
        ];
        started = performance.now();
        await runScan({
          deadlineMs: DEFAULT_PROBE_DEADLINE_MS,
          environment,
          baseEnvironment: 'self',
          shells,
          contextIds,
        });
        const probeMs = performance.now() - started;
        if (run === 0) continue;
        previewTimes.push(previewMs);
        probeTimes.push(probeMs);
      }
      const probe = median(probeTimes);
      const preview = median(previewTimes);
      console.log(
        `${edit.file.padEnd(26)} ${String(contextIds.length).padStart(8)} ${`${probe.toFixed(1)} ms`.padStart(10)} ` +
          `${`${preview.toFixed(1)} ms`.padStart(10)}  ${(preview / probe).toFixed(2)}`,
      );
    }
  } finally {
    await remove();
  }
}

await main();
