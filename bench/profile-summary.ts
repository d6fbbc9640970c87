// `node -r ./bench/support/register-ts.cjs bench/profile-summary.ts <file.cpuprofile> [top]`
// What a V8 CPU profile (node --cpu-prof) spent its samples on: self time by function and
// by where the code lives (this repository, a package of node_modules, Node itself), and
// the inclusive time of the functions named in WATCH. A text flame graph for a terminal.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const WATCH = ['verifyCredential', 'decideVerification', 'canActivate', 'handleRequest', 'parseSecret', 'secretHash', 'evalsha', 'sendCommand', 'JSON.parse', 'serialize'];

function where(url: string): string {
  if (url === '') return '(native / V8)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1]!;
  if (url.startsWith('node:')) return 'node core';
  const local = /\/(apps|libs|bench)\/(.+?)\/src\//.exec(url) ?? /\/(apps|libs|bench)\/([^/]+)/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTime = new Map<number, number>();
  const callers = process.env.CALLERS_OF; // prints the stacks into this function
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // Shares are of the busy time: a process starved of CPU by its neighbours idles a lot.
  const idle = [...selfTime].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0);
  const sampled = [...selfTime.values()].reduce((a, b) => a + b, 0);
  const total = sampled - idle;
  const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const stacks = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    selfBy.set(label(node), (selfBy.get(label(node)) ?? 0) + time);
    const place = node.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : node.callFrame.functionName === '(idle)' ? '(idle)' : where(node.callFrame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + time);
    // inclusive: each watched name counted once per sample stack
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      for (const watched of WATCH) if (name === watched || name.endsWith(`.${watched}`)) seen.add(watched);
    }
    for (const watched of seen) inclusive.set(watched, (inclusive.get(watched) ?? 0) + time);
    if (callers && node.callFrame.functionName === callers) {
      const stack: string[] = [];
      for (let at = parent.get(id); at !== undefined && stack.length < 8; at = parent.get(at)) stack.push(label(byId.get(at)!));
      stacks.set(stack.join(' < '), (stacks.get(stack.join(' < ')) ?? 0) + time);
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const print = (title: string, map: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(time)}  ${name}`);
  };
  console.log(`${file}: ${(sampled / 1e6).toFixed(1)} s sampled, ${(total / 1e6).toFixed(1)} s busy (shares below are of the busy time)`);
  print('self time by place', byPlace, top);
  print('self time by function', selfBy, top);
  print('inclusive time of watched functions', inclusive, WATCH.length);
  if (callers) print(`callers of ${callers}`, stacks, 5);
}

main();
