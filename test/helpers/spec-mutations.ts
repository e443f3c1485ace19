// Mutations of valid specs for fuzzing the spec loader (unit) and the CLI (integration): a seeded
// generator, so any failure replays from its seed; and the judge of what a mutation may end in.

import { planChanges, type ObservedHost, type Plan } from '../../plans/index.js';
import { LockerError } from '../../src/errors.js';
import { checkCloneOrigins, loadSpec } from '../../src/spec/index.js';
import { host } from '../unit/plan-fixtures.js';

/** A hang detector, not a timing assertion: a correct loader answers in milliseconds. */
const HANG_MS = 2000;

/** mulberry32: small, fast, and the same sequence on every machine. */
export function makeRng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
export type Rng = ReturnType<typeof makeRng>;

export const VALID_SPECS: readonly string[] = [
  `db:
  template:
    name: busybox
    release: bookworm
  ports: ["8000:8000", "8001:8001/udp"]
  volumes: ["/opt/data/$project_$name/log:/var/log", "./conf/app.ini:/etc/app.ini:ro"]
  fqdn: db.example.net
web:
  clone: db
  snapshot: true
  depends_on: [db]
  ports:
    - "127.0.0.1:8080:80"
`,
  `defaults: &base
  template: {name: busybox, arch: amd64}
  host: local
  volumes:
    - ./www:/www:ro
containers:
  web:
    fqdn: web.example.net
    ports: ["8080:80"]
  api:
    <<: *base
    depends_on: [web]
    ports: ["9000:9000/tcp"]
  cache:
    clone: web
`,
  `# one container with every key
containers:
  app:
    template:
      name: busybox
      flavour: "1.36"
    volumes:
      - "/srv/app/$name:/data"
      - "/etc/ssl/certs:/etc/ssl/certs:ro"
    allow_host_paths: ["/etc/ssl/certs"]
    ports: ["10.0.0.1:443:443", "53:53/udp"]
    fqdn: app.test
    host: local
`,
  `a: {template: busybox}
b: {clone: a, depends_on: [a]}
c: {clone: other_host_container}
`,
];

/** Every network key (fixed address, bridge, links with and without alias, autostart), for its own fuzz run. */
export const NETWORK_SPEC = `defaults:
  template: busybox
  bridge: lxcbr0
containers:
  db:
    ipv4: 10.0.3.50
    fqdn: db.example.net
    autostart: true
  cache:
    autostart: false
  web:
    links: [db, "cache:redis"]
    depends_on: [db]
    autostart: true
    ports: ["8080:80", "[::]:8443:443"]
`;

const TYPE_SAMPLES = ['[1, 2]', '{a: 1}', '42', '-7', 'true', 'null', '~', '""', "''", '.inf', '0x1F', '2001-12-14', '!!binary aGVsbG8=', '!!str 5', '!!map {}', '!!seq []', '|\n  text', '>-\n  folded', '&x y', '*nope', '[[[]]]', '{{}}'];
const INJECTIONS = ['$(touch /tmp/locker-fuzz-marker)', '`touch /tmp/locker-fuzz-marker`', 'x; touch /tmp/locker-fuzz-marker', '"x\\ntouch /tmp/m"', '-o/tmp/locker-fuzz-marker', 'a#b', '"a\\0b"', '../../etc/passwd', '/etc:/x', '/:/host', '/proc/self:/p'];
const SPECIAL = [':', '-', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', ',', '?', ' ', '\n', '\t', '\r', '\\', '$', '<<', '---', '...', '\u00a0', '\u2028', '\ufeff', '\ufffd', '\ud800', '😀'];

function lines(text: string): string[] {
  return text.split('\n');
}

/** A random line that holds a `key: value` pair, with its parts. */
function pairLine(text: string, rng: Rng): { all: string[]; i: number; indent: string; key: string; value: string } | undefined {
  const all = lines(text);
  const candidates = all.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*[-\w"]+\s*:/.test(l));
  if (candidates.length === 0) return undefined;
  const { l, i } = rng.pick(candidates);
  const m = /^(\s*(?:-\s+)?)([^:]+):\s*(.*)$/.exec(l);
  if (!m) return undefined;
  return { all, i, indent: m[1]!, key: m[2]!, value: m[3]! };
}

type Mutator = (text: string, rng: Rng) => string;

const MUTATORS: Record<string, Mutator> = {
  truncate: (t, rng) => t.slice(0, rng.int(t.length + 1)),
  deleteRange: (t, rng) => {
    const a = rng.int(t.length + 1);
    return t.slice(0, a) + t.slice(a + rng.int(40));
  },
  duplicateLine: (t, rng) => {
    const all = lines(t);
    const i = rng.int(all.length);
    all.splice(i, 0, all[i]!);
    return all.join('\n');
  },
  swapLines: (t, rng) => {
    const all = lines(t);
    const [i, j] = [rng.int(all.length), rng.int(all.length)];
    [all[i], all[j]] = [all[j]!, all[i]!];
    return all.join('\n');
  },
  swapType: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all[p.i] = `${p.indent}${p.key}: ${rng.pick(TYPE_SAMPLES)}`;
    return p.all.join('\n');
  },
  unknownKey: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all.splice(p.i + 1, 0, `${p.indent.replace(/-/, ' ')}${rng.pick(['prots', 'colour', 'volume', 'depends', 'x', '__proto__', 'constructor', '<<', '"", "?"'])}: ${rng.pick(TYPE_SAMPLES)}`);
    return p.all.join('\n');
  },
  duplicateKey: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all.splice(p.i + 1, 0, p.all[p.i]!);
    return p.all.join('\n');
  },
  tabs: (t, rng) => {
    let out = t;
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const at = rng.int(out.length + 1);
      out = out.slice(0, at) + '\t' + out.slice(at);
    }
    return out;
  },
  hugeString: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    const huge = rng.pick(['x', '/', 'é', ' a']).repeat(50_000 + rng.int(60_000));
    p.all[p.i] = `${p.indent}${rng.next() < 0.2 ? huge : p.key}: ${rng.next() < 0.5 ? `"${huge}"` : huge}`;
    return p.all.join('\n');
  },
  aliasBomb: (t, rng) => {
    const width = 2 + rng.int(9);
    const levels = 3 + rng.int(8);
    let bomb = `x-a0: &a0 ["lol"]\n`;
    for (let l = 1; l < levels; l++) bomb += `x-a${l}: &a${l} [${Array(width).fill(`*a${l - 1}`).join(', ')}]\n`;
    return rng.next() < 0.5 ? bomb + t : `${t}\n${bomb}`;
  },
  selfAlias: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all[p.i] = `${p.indent}${p.key}: &self ${p.value === '' ? '' : `[${p.value}, *self]`}`;
    if (p.value === '') p.all.splice(p.i + 1, 0, `${p.indent.replace(/-/, ' ')}  loop: *self`);
    return p.all.join('\n');
  },
  mergeKey: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all.splice(p.i + 1, 0, `${p.indent.replace(/-/, ' ')}<<: ${rng.pick(['*base', '*nope', '[*base, *base]', '{template: busybox}', '42'])}`);
    return p.all.join('\n');
  },
  binary: (t, rng) => {
    const bytes = Uint8Array.from({ length: 1 + rng.int(64) }, () => rng.int(256));
    const at = rng.int(t.length + 1);
    // What reading a file as UTF-8 would make of the bytes (readFileSync(path, 'utf8')).
    return t.slice(0, at) + Buffer.from(bytes).toString('utf8') + t.slice(at);
  },
  specialChar: (t, rng) => {
    const at = rng.int(t.length + 1);
    const replace = rng.next() < 0.5 ? 1 : 0;
    return t.slice(0, at) + rng.pick(SPECIAL) + t.slice(at + replace);
  },
  injection: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    const payload = rng.pick(INJECTIONS);
    p.all[p.i] = rng.next() < 0.2 ? `${p.indent}"${payload.replace(/"/g, '')}": x` : `${p.indent}${p.key}: ${rng.next() < 0.5 ? `[${JSON.stringify(payload)}]` : JSON.stringify(payload)}`;
    return p.all.join('\n');
  },
  deepFlow: (t, rng) => {
    const n = rng.pick([20, 40, 1000, 20_000, 200_000]);
    const open = rng.next() < 0.5 ? '[' : '{a: ';
    const close = open === '[' ? ']' : '}';
    return `${t}\nx-deep: ${open.repeat(n)}1${close.repeat(n)}\n`;
  },
  deepBlock: (t, rng) => {
    const n = rng.pick([20, 40, 200, 1200]);
    let out = `${t}\n`;
    for (let i = 0; i < n; i++) out += `${' '.repeat(i)}${rng.next() < 0.5 ? '- ' : `k${i}:`}\n`;
    return out;
  },
  documents: (t, rng) => rng.pick([`%YAML 1.1\n---\n${t}`, `---\n${t}\n---\n${t}`, `--- !!set\n${t}`, `\ufeff${t}`, `${t}\n...\n`, t.replace(/\n/g, '\r\n'), `!!omap\n${t}`, `%TAG ! tag:x,2000:\n---\n${t}`]),
  bigFile: (t) => t + `# ${'padding '.repeat(262_144)}\n`,
  manyPorts: (t, rng) => {
    const p = pairLine(t, rng);
    if (!p) return t;
    p.all.splice(p.i + 1, 0, `${p.indent.replace(/-/, ' ')}ports: [${Array.from({ length: 2000 }, (_, i) => `"${i + 1}:${i + 1}"`).join(', ')}]`);
    return p.all.join('\n');
  },
};

const NAMES = Object.keys(MUTATORS);
// Expensive mutations are drawn less often, so that thousands of cases stay quick.
const RARE = new Set(['bigFile', 'hugeString', 'deepFlow', 'manyPorts']);

export interface Outcome {
  result: Plan | unknown;
  ms: number;
}

const EMPTY_HOST = (name: string): ObservedHost => host(name);

/** The CLI's own sequence for `up`, minus the I/O: load, check clone origins, plan. */
export function runFrontEnd(text: string, where: { project?: string; specDir?: string } = {}): Outcome {
  const start = performance.now();
  let result: unknown;
  try {
    const desired = loadSpec({ text, file: 'locker.yml', project: where.project ?? 'fuzz', specDir: where.specDir ?? '/srv/fuzz' });
    checkCloneOrigins(desired, new Map());
    const hosts = new Set(['local', ...desired.containers.map((c) => c.host)]);
    result = planChanges({ desired, observed: new Map([...hosts].map((h) => [h, EMPTY_HOST(h)])), mode: 'up' });
  } catch (e) {
    result = e;
  }
  return { result, ms: performance.now() - start };
}

/** What is wrong with an outcome, or undefined when it is a Plan or one well-formed spec error. */
export function judge(text: string, { result, ms }: Outcome): string | undefined {
  if (ms > HANG_MS) return `took ${Math.round(ms)} ms`;
  if (!(result instanceof LockerError)) {
    if (result instanceof Error) return `threw ${result.name}: ${result.message}\n${result.stack}`;
    const plan = result as Plan;
    return plan.version === 1 && Array.isArray(plan.actions) ? undefined : `returned ${String(result)}`;
  }
  const e = result;
  if (e.code !== 'SPEC_INVALID' && e.code !== 'PLAN_CYCLE') return `error code ${e.code}: ${e.message}`;
  if (e.message.includes('\n') || e.message.length === 0) return `message is not one line: ${JSON.stringify(e.message.slice(0, 300))}`;
  const l = e.location;
  if (l === undefined) return `no location: ${e.message}`;
  const lineCount = text.split('\n').length;
  if (l.file !== 'locker.yml' || !(l.line >= 1 && l.line <= lineCount) || !(l.col >= 1)) {
    return `bad location ${JSON.stringify(l)} (${lineCount} lines): ${e.message}`;
  }
  return undefined;
}

export function mutate(rng: Rng, from: readonly string[] = VALID_SPECS): { text: string; chain: string[] } {
  let text = rng.pick(from);
  const chain: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    let name = rng.pick(NAMES);
    if (RARE.has(name) && rng.next() < 0.8) name = rng.pick(NAMES.filter((x) => !RARE.has(x)));
    chain.push(name);
    text = MUTATORS[name]!(text, rng);
  }
  return { text, chain };
}
