// loadSpec: YAML text in, validated DesiredState out, or one located error. Checks run from
// the outside in (syntax, characters, layout, each container, then across containers), so
// the error a user sees first is the most basic one.
import { posix } from 'node:path';
import { LockerError } from '../errors.js';
import { buildContainer, type BuildContext } from './build-container.js';
import { assertCloneMaps, assertSameHostClones } from './clones.js';
import { rejectControlChars } from './control-chars.js';
import { digestContainers } from './digest.js';
import { assertAcyclic, type Edge } from './graph.js';
import { readLayout } from './layout.js';
import { assertSpecSize, SPEC_LIMITS } from './limits.js';
import { CONTAINER_NAME_RULE, describeLxcNameLength, HOST_NAME_RULE, isContainerName, isHostName } from '../rules/names.js';
import { validateProjectName } from './names.js';
import { assertLinks, assertNoAddressClash } from './network.js';
import { assertNoPortClash } from './port-clashes.js';
import { PER_CONTAINER_KEYS } from './schema.js';
import { specError } from './spec-error.js';
import type { ContainerSpec, DesiredState } from './types.js';
import { validateShape } from './validate-shape.js';
import { readYaml } from './yaml-source.js';

export interface LoadSpecInput {
  text: string;
  /** Spec file path as the user knows it; used in every error location. */
  file: string;
  project: string;
  /** Absolute folder relative host paths of volumes are resolved against. */
  specDir: string;
  /** Host of containers that name none (and have no `defaults.host`); `local` if unset. */
  defaultHost?: string;
  /** Many hosts (NATS): a container must name its host, itself or through `defaults.host`. */
  requireHost?: boolean;
}

export function loadSpec(input: LoadSpecInput): DesiredState {
  validateProjectName(input.project);
  if (!posix.isAbsolute(input.specDir)) {
    throw new LockerError('INTERNAL', `loadSpec needs an absolute specDir, got "${input.specDir}"`);
  }
  const defaultHost = input.defaultHost ?? (input.requireHost ? undefined : 'local');
  if (defaultHost !== undefined && !isHostName(defaultHost)) {
    throw new LockerError('USAGE', `invalid host "${defaultHost}"`, { hint: HOST_NAME_RULE });
  }

  assertSpecSize(input.text, input.file);
  const src = readYaml(input.text, input.file);
  rejectControlChars(src);
  const layout = readLayout(src);
  const extra = layout.containers[SPEC_LIMITS.containers];
  if (extra !== undefined) {
    throw specError(`the spec has ${layout.containers.length} containers; the limit is ${SPEC_LIMITS.containers}`, extra.ref, 'split the containers into several projects');
  }
  for (const entry of layout.containers) {
    if (!isContainerName(entry.name)) {
      throw specError(`invalid container name "${entry.name}"`, entry.ref, CONTAINER_NAME_RULE);
    }
    const tooLong = describeLxcNameLength(input.project, entry.name);
    if (tooLong !== undefined) throw specError(tooLong, entry.ref, 'use a shorter container name, or a shorter project name (-p NAME)');
  }

  const ctx: BuildContext = {
    project: input.project,
    specDir: input.specDir,
    defaultHost,
    names: new Set(layout.containers.map((e) => e.name)),
    src,
  };
  if (layout.defaults) {
    ctx.defaults = { raw: validateShape(layout.defaults.value, layout.defaults.at, src, 'defaults'), at: layout.defaults.at };
    for (const key of PER_CONTAINER_KEYS) {
      if (ctx.defaults.raw[key] === undefined) continue;
      throw specError(`${key} cannot be a default: it is each container's own`, src.keyAt([...layout.defaults.at, key]), `move \`${key}:\` under the container it belongs to`);
    }
  }

  const containers: ContainerSpec[] = [];
  const edges: Edge[] = [];
  for (const entry of layout.containers) {
    const own = validateShape(entry.value, entry.at, src, `container ${entry.name}`);
    const built = buildContainer(entry, own, ctx);
    containers.push(built.spec);
    edges.push(...built.edges);
  }

  assertSameHostClones(containers);
  assertCloneMaps(containers);
  assertNoPortClash(containers);
  assertNoAddressClash(containers);
  assertLinks(containers);
  assertAcyclic([...ctx.names], edges);

  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { project: input.project, file: input.file, digest: digestContainers(sorted), containers: sorted };
}
