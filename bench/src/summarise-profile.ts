import { readFile } from 'node:fs/promises';

/**
 * Prints the top functions of a V8 CPU profile (`node --cpu-prof` output) by self time, and
 * self time grouped per package, so the costs of a service under load can be ranked. Idle
 * samples are left out of the percentages, and so are samples of the first SKIP seconds, which
 * hold the start-up (module loading).
 *
 *   node bench/dist/src/summarise-profile.js PROFILE.cpuprofile [TOP] [SKIP]
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Names the package of a script URL, such as `pino` or `services/web`, for grouping. */
function packageOf(url: string): string {
  if (url === '') return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const project = /\/work\/[^/]+\/((?:packages|services)\/[^/]+)\//.exec(url);
  if (project?.[1] !== undefined) return project[1];
  return url.startsWith('node:') ? 'node' : url;
}

async function main(): Promise<void> {
  const [file, topArgument, skipArgument] = process.argv.slice(2);
  if (file === undefined)
    throw new Error(
      'profile file missing: usage: summarise-profile.js PROFILE.cpuprofile [TOP] [SKIP]',
    );
  const top = Number(topArgument ?? '25');
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;

  const skipMs = Number(skipArgument ?? '0') * 1000;
  const idleIds = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id),
  );
  const selfMs = new Map<number, number>();
  let elapsedMs = 0;
  profile.samples.forEach((id, index) => {
    const deltaMs = (profile.timeDeltas[index] ?? 0) / 1000;
    elapsedMs += deltaMs;
    if (elapsedMs < skipMs || idleIds.has(id)) return;
    selfMs.set(id, (selfMs.get(id) ?? 0) + deltaMs);
  });
  const total = [...selfMs.values()].reduce((sum, value) => sum + value, 0);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const group = packageOf(frame.url);
    byPackage.set(group, (byPackage.get(group) ?? 0) + ms);
  }

  const print = (title: string, entries: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((ms / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
    }
  };
  process.stdout.write(`${file}: ${total.toFixed(0)} ms busy after the first ${skipMs} ms\n`);
  print('self time by package', byPackage);
  print('self time by function', byFunction);
}

await main();
