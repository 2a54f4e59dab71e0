import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * `node .tmp/bench/bench/profile-summary.js bench/results/*.cpuprofile`:
 * where a process's CPU went, by layer (grpc-js, Node's HTTP/2 and streams,
 * protobuf, Nest, rxjs, this package, GC) and by function. Profiles come
 * from `npm run bench -- --profile=ours,raw`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const LAYERS: Array<[string, RegExp]> = [
  ['@grpc/grpc-js', /@grpc\/grpc-js/],
  [
    'protobuf (protobufjs, proto-loader, google-protobuf)',
    /protobufjs|proto-loader|google-protobuf|@protobufjs/,
  ],
  ['@nestjs', /@nestjs/],
  ['rxjs', /rxjs/],
  ['nats', /node_modules\/nats\//],
  ['kubemq-js', /kubemq-js/],
  ['node: http2', /node:internal\/http2/],
  ['node: streams', /node:internal\/streams|node:stream/],
  ['node: net, timers, events, other internals', /^node:/],
  ['other packages', /node_modules\//],
  ['bench harness', /\/bench\/(?!lib\/)/],
  ['this package (lib/)', /\/lib\//],
];

function layerOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program: native, V8)';
    return 'native / V8 builtins';
  }
  for (const [name, pattern] of LAYERS) if (pattern.test(url)) return name;
  return 'other JS';
}

function percent(part: number, total: number): string {
  return `${((part * 100) / total).toFixed(1).padStart(5)}%`;
}

export function summarizeProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const layers = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    const layer = layerOf(node);
    if (layer === '(idle)') continue;
    busy += time;
    layers.set(layer, (layers.get(layer) ?? 0) + time);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(lib|bench)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + time);
  }
  const lines = [`${basename(file)}: ${(busy / 1000).toFixed(0)} ms busy`, '  by layer:'];
  for (const [layer, time] of [...layers].sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${percent(time, busy)}  ${layer}`);
  }
  lines.push(`  top ${top} functions (self time):`);
  for (const [name, time] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`    ${percent(time, busy)}  ${name}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node .tmp/bench/bench/profile-summary.js <file.cpuprofile>...');
    process.exit(1);
  }
  for (const file of files) console.log(`${summarizeProfile(file)}\n`);
}
