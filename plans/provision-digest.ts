// The digest of a provision list: what the agent records after running it and the planner compares.
// sha256 of the canonical JSON of the commands (no positions), so only what runs counts.

import type { ProvisionCommand } from '../src/rules/provision.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { stringifyCanonicalCompact } from '../src/rules/canonical-json.js';
import { hashSha256 } from './digest.js';

export function provisionDigest(commands: readonly ProvisionCommand[]): string {
  return hashSha256(stringifyCanonicalCompact(commands.map(({ run, env }) => (env === undefined || Object.keys(env).length === 0 ? { run } : { run, env }))));
}

/** The commands of a container's `provision:`, as a job carries them. */
export function provisionCommands(spec: ContainerSpec): ProvisionCommand[] {
  return (spec.provision ?? []).map(({ run, env }) => (env === undefined ? { run } : { run, env: { ...env } }));
}
