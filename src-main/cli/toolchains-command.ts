/**
 * `go-env-lens toolchains [--json]`: every Go installed on the machine, found by its layout
 * without running it, and the contexts of a scan that use each one.
 */
import os from 'node:os';

import { contextsUsingToolchain, findInstalledToolchains } from '../engine/go/toolchain-inventory.ts';
import type { InstalledToolchain, ToolchainInventory, ToolchainUsage } from '../shared/go-toolchains.ts';
import { shortenHome } from './doctor-command.ts';
import type { ScanCommandOptions } from './main.ts';
import { scanWithProgress } from './progress-line.ts';
import { renderTable } from './table.ts';

/** Prints the inventory and returns the exit code. */
export async function runToolchains(options: ScanCommandOptions & { json: boolean }): Promise<number> {
  const home = process.env.HOME ?? os.homedir();
  const [inventory, report] = await Promise.all([
    findInstalledToolchains({ home, env: definedOnly(process.env) }),
    scanWithProgress(options),
  ]);
  const usage = contextsUsingToolchain(inventory, report.contexts);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ inventory, usage }, null, 2)}\n`);
  } else {
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(formatToolchains(inventory, usage, home, colour));
  }
  return 0;
}

/** Formats the inventory as a table, then its problems and the launchers found on PATH. */
export function formatToolchains(
  inventory: ToolchainInventory,
  usage: ToolchainUsage,
  home: string,
  colour: boolean,
): string {
  const short = (text: string) => shortenHome(text, home);
  const usedBy = new Map(usage.toolchains.map((use) => [use.toolchainId, use.contextIds]));
  const rows = inventory.toolchains.map((toolchain) => [
    { text: toolchain.version?.value ?? 'unknown' },
    { text: short(toolchain.goroot ?? toolchain.id) },
    { text: toolchain.manager },
    { text: platformOf(toolchain) },
    { text: (usedBy.get(toolchain.id) ?? []).join(', ') || '-' },
  ]);
  const lines = [
    `${inventory.toolchains.length} Go toolchains found (nothing was run to find them).`,
    '',
    renderTable(['version', 'location', 'manager', 'os/arch', 'used by'], rows, { colour }),
  ];
  const problems = inventory.toolchains.flatMap((toolchain) =>
    toolchain.problems.map((problem) => `  ${short(toolchain.goroot ?? toolchain.id)}: ${problem.message}`),
  );
  if (problems.length > 0) lines.push('', 'Problems:', ...problems);
  if (inventory.shims.length > 0) {
    lines.push('', 'Launchers on PATH (they pick a version themselves):');
    for (const shim of inventory.shims) lines.push(`  ${short(shim.path)}: ${shim.note}`);
  }
  for (const link of inventory.danglingLinks) {
    lines.push(`  dangling link ${short(link.path)} -> ${link.target}`);
  }
  return `${lines.join('\n')}\n`;
}

function platformOf(toolchain: InstalledToolchain): string {
  return toolchain.goos && toolchain.goarch ? `${toolchain.goos}/${toolchain.goarch}` : 'unknown';
}

function definedOnly(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
