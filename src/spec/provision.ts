// `provision:` of one container (or of `defaults`): each entry a command string, or `{run, env}`. Every
// entry is checked where it is written, so an error names its own line, column and spec path.
import { hintFor } from './did-you-mean.js';
import { describeBadEnvValue, describeBadRun, ENV_NAME, ENV_NAME_RULE, PROVISION_LIMITS } from '../rules/provision.js';
import { specError, type Segment } from './spec-error.js';
import type { ProvisionSpec } from './types.js';
import { isPlainMap } from './validate-shape.js';
import type { YamlSource } from './yaml-source.js';

const ENTRY_KEYS = ['run', 'env'] as const;
const ENTRY_HINT = 'write a command string (`- apk add curl`), or `- {run: "echo $A", env: {A: hello}}`';

/** The list as written under `at`; an empty list is no list. */
export function buildProvision(entries: readonly unknown[], at: readonly Segment[], src: YamlSource): ProvisionSpec[] {
  if (entries.length > PROVISION_LIMITS.commands) {
    throw specError(`provision has ${entries.length} commands; the limit is ${PROVISION_LIMITS.commands}`, src.at([...at, PROVISION_LIMITS.commands]), 'join commands into scripts, one command per step');
  }
  return entries.map((entry, i) => buildEntry(entry, [...at, i], src));
}

function buildEntry(entry: unknown, at: Segment[], src: YamlSource): ProvisionSpec {
  const ref = src.at(at);
  if (typeof entry === 'string') return { run: checkedRun(entry, at, src), ref };
  if (!isPlainMap(entry)) {
    throw specError(`each entry of provision must be a command string or a map with \`run\`, not ${describe(entry)}`, ref, ENTRY_HINT);
  }
  const unknown = Object.keys(entry).filter((k) => !(ENTRY_KEYS as readonly string[]).includes(k));
  if (unknown[0] !== undefined) {
    throw specError(`unknown key "${unknown[0]}" in a provision command`, src.keyAt([...at, unknown[0]]), hintFor(unknown[0], ENTRY_KEYS, 'allowed keys'));
  }
  if (typeof entry.run !== 'string') {
    const where = entry.run === undefined ? ref : src.at([...at, 'run']);
    throw specError(entry.run === undefined ? 'a provision command needs `run`' : `run must be a command string, not ${describe(entry.run)}`, where, ENTRY_HINT);
  }
  const command: ProvisionSpec = { run: checkedRun(entry.run, [...at, 'run'], src), ref };
  if (entry.env !== undefined && entry.env !== null) {
    const env = buildEnv(entry.env, [...at, 'env'], src);
    if (Object.keys(env).length > 0) command.env = env;
  }
  return command;
}

function checkedRun(run: string, at: Segment[], src: YamlSource): string {
  const bad = describeBadRun(run);
  if (bad !== undefined) throw specError(`provision command ${bad}`, src.at(at), 'a command is shell text run inside the container with /bin/sh -c');
  return run;
}

/** Sorted by name, so the digest does not depend on the order they were written in. */
function buildEnv(value: unknown, at: Segment[], src: YamlSource): Record<string, string> {
  if (!isPlainMap(value)) throw specError(`env must be a map of variable names to values, not ${describe(value)}`, src.at(at), 'write `env: {GREETING: hello, COUNT: "3"}`');
  const names = Object.keys(value);
  if (names.length > PROVISION_LIMITS.envVars) {
    throw specError(`env has ${names.length} variables; the limit is ${PROVISION_LIMITS.envVars}`, src.at(at), 'pass fewer variables, or write them into a file the command reads');
  }
  const env: Record<string, string> = {};
  for (const name of [...names].sort()) {
    if (!ENV_NAME.test(name)) throw specError(`invalid variable name "${name}"`, src.keyAt([...at, name]), ENV_NAME_RULE);
    const raw = value[name];
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw specError(`env ${name} must be a string, number or boolean, not ${describe(raw)}`, src.at([...at, name]), 'quote it: `NAME: "value"`');
    }
    // A number keeps its spelling: `VERSION: 1.10` is "1.10", not "1.1".
    const text = typeof raw === 'number' ? (src.sourceText([...at, name]) ?? String(raw)) : String(raw);
    const bad = describeBadEnvValue(text);
    if (bad !== undefined) throw specError(`env ${name} ${bad}`, src.at([...at, name]), 'a variable holds one line of text');
    env[name] = text;
  }
  return env;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `the ${typeof value} ${String(value)}`;
}
