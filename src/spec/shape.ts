// How a container is shaped: `limits:` and the old `cgroup:` list as cgroup v2 settings, raw LXC keys
// of `config:` and the `allow_config:` opt-in, each checked where it is written.

import { CPUS_RULE, MEMORY_RULE, PIDS_RULE, parseCpus, parseMemorySize, parsePids } from '../rules/cgroup.js';
import { limitV1Files } from '../rules/cgroup-host.js';
import { translateCgroupV1 } from '../rules/cgroup-v1.js';
import { CONFIG_VALUE_RULE, describeBadConfigValue, isRepeatableConfigKey, judgeConfigKey } from '../rules/lxc-config-keys.js';
import type { Checked } from '../rules/checked.js';
import { hintFor, suggest } from './did-you-mean.js';
import type { RawContainer } from './schema.js';
import { specError, unwrap, type Segment } from './spec-error.js';
import type { CgroupSpec, ConfigSpec, SpecRef } from './types.js';
import type { YamlSource } from './yaml-source.js';

type Field<T> = { value: NonNullable<T>; at: Segment[] } | undefined;

export interface ShapeFields {
  limits: Field<RawContainer['limits']>;
  cgroup: Field<RawContainer['cgroup']>;
  config: Field<RawContainer['config']>;
  allowConfig: Field<RawContainer['allow_config']>;
}

export interface Shape {
  cgroup: CgroupSpec[];
  config: ConfigSpec[];
  allowConfig: string[];
}

export function buildShape(fields: ShapeFields, name: string, src: YamlSource): Shape {
  const cgroup = [...buildLimits(fields.limits, src), ...buildCgroupV1(fields.cgroup, src)];
  const config = buildConfig(fields.config, src);
  const allowConfig = buildAllowConfig(fields.allowConfig, config, name, src);
  assertOneSourcePerFile(cgroup, config);
  return { cgroup: cgroup.sort((a, b) => compare(a.key, b.key)), config, allowConfig };
}

function buildLimits(field: ShapeFields['limits'], src: YamlSource): CgroupSpec[] {
  if (field === undefined) return [];
  const out: CgroupSpec[] = [];
  const one = <T>(key: 'memory' | 'cpus' | 'pids', rule: string, parse: (v: unknown) => Checked<T>, v2: string, text: (v: T) => string) => {
    const raw = field.value[key];
    if (raw === undefined || raw === null) return;
    const ref = src.at([...field.at, key]);
    const parsed = parse(raw);
    if (!parsed.ok) throw specError(`limits.${key} ${parsed.message}`, ref, `write limits.${key} as ${rule}`);
    const written = src.sourceText([...field.at, key]) ?? String(raw);
    const value = text(parsed.value);
    out.push({ key: v2, value, v1: limitV1Files({ key: v2, value }), from: `limits.${key}: ${written}`, ref });
  };
  one('memory', MEMORY_RULE, parseMemorySize, 'memory.max', String);
  one('cpus', CPUS_RULE, parseCpus, 'cpu.max', (v) => v);
  one('pids', PIDS_RULE, parsePids, 'pids.max', String);
  return out;
}

function buildCgroupV1(field: ShapeFields['cgroup'], src: YamlSource): CgroupSpec[] {
  if (field === undefined) return [];
  const outcome = translateCgroupV1(field.value, suggest);
  if (!outcome.ok) throw specError(outcome.message, src.at([...field.at, outcome.index]), outcome.hint);
  return outcome.settings.map(({ setting, v1, index }) => ({ ...setting, v1, from: `cgroup: ${field.value[index]}`, ref: src.at([...field.at, index]) }));
}

function buildConfig(field: ShapeFields['config'], src: YamlSource): ConfigSpec[] {
  if (field === undefined) return [];
  const out: ConfigSpec[] = [];
  for (const [key, raw] of Object.entries(field.value)) {
    const at = [...field.at, key];
    const keyRef = src.keyAt(at);
    const list = Array.isArray(raw);
    const values = (list ? raw : [raw]).map((v, i) => {
      const valueAt = list ? [...at, i] : at;
      // A number keeps its spelling (`0.50` stays "0.50").
      // LXC trims values; so does Locker, or the config read back would always differ from the spec.
      const text = (typeof v === 'number' ? (src.sourceText(valueAt) ?? String(v)) : typeof v === 'boolean' ? (v ? '1' : '0') : v).trim();
      const bad = describeBadConfigValue(text);
      if (bad !== undefined) throw specError(`config ${key} value ${bad}`, src.at(valueAt), `each value is written as one \`${key} = VALUE\` line: ${CONFIG_VALUE_RULE}`);
      return text;
    });
    const verdict = judgeConfigKey(key, values);
    if (verdict.kind === 'unknown' && verdict.renamed !== undefined) {
      throw specError(`LXC 5 no longer reads "${key}" (config)`, keyRef, `LXC 3.0 renamed it: write \`${verdict.renamed}\` (what lxc-update-config would write)`);
    }
    if (verdict.kind === 'unknown') throw specError(`unknown LXC key "${key}" in config`, keyRef, hintFor(key, verdict.examples, 'LXC 5.0 keys, see `man lxc.container.conf`', []));
    if (verdict.kind === 'managed') throw specError(`config cannot set ${key}: Locker writes it`, keyRef, `use ${verdict.use}`);
    if (list && !isRepeatableConfigKey(key)) throw specError(`config ${key} takes one value, not a list`, keyRef, `write \`${key}: VALUE\``);
    if (list && values.length === 0) throw specError(`config ${key} is an empty list`, keyRef, 'give it values, or remove the key');
    out.push({ key, values, ref: keyRef });
  }
  return out.sort((a, b) => compare(a.key, b.key));
}

/** `allow_config`: keys of `config:` that may hand the host to the container. Every dangerous key needs one. */
function buildAllowConfig(field: ShapeFields['allowConfig'], config: readonly ConfigSpec[], name: string, src: YamlSource): string[] {
  const allowed = new Set<string>();
  field?.value.forEach((key, i) => {
    const ref = src.at([...field.at, i]);
    const entry = config.find((c) => c.key === key);
    if (entry === undefined) {
      const keys = config.map((c) => c.key);
      throw specError(`allow_config entry "${key}" is not a key of the config of ${name}`, ref, keys.length === 0 ? `${name} has no config: remove the entry` : hintFor(key, keys, `keys of its config`));
    }
    allowed.add(key);
  });
  for (const entry of config) {
    const verdict = judgeConfigKey(entry.key, entry.values);
    if (verdict.kind === 'dangerous' && !allowed.has(entry.key)) {
      throw specError(`config ${entry.key} ${verdict.why}`, entry.ref, `if ${name} must have it, add \`allow_config: [${entry.key}]\` to ${name}`);
    }
  }
  return [...allowed].sort();
}

/** `limits:`, `cgroup:` and `config: {lxc.cgroup2.*}` must not set one file twice. */
function assertOneSourcePerFile(cgroup: readonly CgroupSpec[], config: readonly ConfigSpec[]): void {
  const seen = new Map<string, { from: string; ref: SpecRef }>();
  const sources = [
    ...cgroup.map((c) => ({ key: c.key, from: c.from, ref: c.ref })),
    ...config.filter((c) => c.key.startsWith('lxc.cgroup2.')).map((c) => ({ key: c.key.slice('lxc.cgroup2.'.length), from: `config: ${c.key}`, ref: c.ref })),
  ].sort((a, b) => a.ref.line - b.ref.line || a.ref.col - b.ref.col);
  for (const s of sources) {
    const first = seen.get(s.key);
    if (first !== undefined) {
      throw specError(`${s.from} sets cgroup ${s.key}, which ${first.from} (${first.ref.path}) sets already`, s.ref, 'set each cgroup file in one place: keep one of the two');
    }
    seen.set(s.key, s);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
