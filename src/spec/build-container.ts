// One container's settings (own keys over `defaults`) turned into a ContainerSpec, each
// value checked where it is written so errors point at the right line.
import { posix } from 'node:path';
import { hintFor } from './did-you-mean.js';
import type { Edge } from './graph.js';
import type { ContainerEntry } from './layout.js';
import { describeViolation, findRefusedMount, optInHint } from './mount-policy.js';
import { normaliseFqdn } from '../rules/dns-names.js';
import { HOST_NAME_RULE, isHostName, LXC_NAME, lxcNameOf, TEMPLATE_ARG, TEMPLATE_NAME } from '../rules/names.js';
import { buildLinks, buildNetwork } from './network.js';
import { expandPlaceholders } from './placeholders.js';
import { parsePort } from './ports.js';
import { buildDns } from './dns.js';
import { buildProvision } from './provision.js';
import { describeUnsafeArg, describeUnsafePath, SAFE_TEXT_RULE } from './safe-text.js';
import type { ContainerKey, RawContainer } from './schema.js';
import { buildShape } from './shape.js';
import { specError, unwrap, type Segment } from './spec-error.js';
import type { ContainerSource, ContainerSpec, PortSpec, SpecRef, VolumeSpec } from './types.js';
import { parseVolume } from './volumes.js';
import type { YamlSource } from './yaml-source.js';

export interface BuildContext {
  project: string;
  specDir: string;
  /** Undefined when every container must name its host (many hosts). */
  defaultHost: string | undefined;
  /** Short names of every container of the spec. */
  names: ReadonlySet<string>;
  src: YamlSource;
  defaults?: { raw: RawContainer; at: Segment[] };
}

export interface BuiltContainer {
  spec: ContainerSpec;
  /** clone-in-project and depends_on edges, for the cycle check. */
  edges: Edge[];
}

type Picked<K extends ContainerKey> = { value: NonNullable<RawContainer[K]>; at: Segment[] };

export function buildContainer(entry: ContainerEntry, own: RawContainer, ctx: BuildContext): BuiltContainer {
  const { src, project } = ctx;
  const name = entry.name;
  // template and clone are one choice: a container's own choice drops the default one.
  const ownsSource = own.template !== undefined || own.clone !== undefined || own.download !== undefined;
  const pick = <K extends ContainerKey>(key: K): Picked<K> | undefined => {
    const mine = own[key];
    if (mine !== undefined && mine !== null) return { value: mine as NonNullable<RawContainer[K]>, at: [...entry.at, key] };
    if (ctx.defaults === undefined || (ownsSource && (key === 'template' || key === 'clone' || key === 'download'))) return undefined;
    const inherited = ctx.defaults.raw[key];
    if (inherited === undefined || inherited === null) return undefined;
    return { value: inherited as NonNullable<RawContainer[K]>, at: [...ctx.defaults.at, key] };
  };

  const edges: Edge[] = [];
  const source = buildSource(entry, own, downloadAsTemplate(pick('download'), pick('template'), pick('clone'), src), pick('clone'), pick('snapshot'), ctx, edges);

  let fqdn: string | undefined;
  const fqdnField = pick('fqdn');
  if (fqdnField) {
    const at = src.at(fqdnField.at);
    fqdn = unwrap(normaliseFqdn(unwrap(expandPlaceholders(fqdnField.value, { name, project }), at)), at);
  }

  const hostField = pick('host');
  let host = ctx.defaultHost;
  if (hostField) {
    if (!isHostName(hostField.value)) throw specError(`invalid host "${hostField.value}"`, src.at(hostField.at), HOST_NAME_RULE);
    host = hostField.value;
  }
  if (host === undefined) {
    throw specError(`container ${name} has no host`, entry.ref, 'with --nats every container needs `host: NAME`, or set `defaults.host`');
  }

  const volumes: VolumeSpec[] = [];
  const volumeField = pick('volumes');
  volumeField?.value.forEach((raw, i) => {
    const ref = src.at([...volumeField.at, i]);
    const volume = { ...unwrap(parseVolume(raw, { name, project, fqdn }, ctx.specDir), ref), raw, ref };
    const twin = volumes.find((v) => v.containerPath === volume.containerPath);
    if (twin) throw specError(`${volume.containerPath} is mounted twice in ${name} (first by ${twin.ref.path})`, ref, 'mount each container path once');
    volumes.push(volume);
  });

  const allowHostPaths = buildAllowances(pick('allow_host_paths'), volumes, { name, project, fqdn }, ctx);
  for (const volume of volumes) {
    const refused = findRefusedMount(volume.hostPath, allowHostPaths);
    if (refused) throw specError(describeViolation(refused), volume.ref, optInHint(volume.hostPath, name));
  }

  const ports: PortSpec[] = [];
  const portField = pick('ports');
  portField?.value.forEach((raw, i) => {
    const ref = src.at([...portField.at, i]);
    ports.push({ ...unwrap(parsePort(raw), ref), raw, ref });
  });

  const dependsOn: string[] = [];
  const depField = pick('depends_on');
  depField?.value.forEach((dep, i) => {
    const ref = src.at([...depField.at, i]);
    if (!ctx.names.has(dep)) {
      throw specError(`${name} depends on "${dep}", which is not a container of this spec`, ref, hintFor(dep, [...ctx.names], 'containers'));
    }
    if (!dependsOn.includes(dep)) dependsOn.push(dep);
    edges.push({ from: name, to: dep, ref });
  });

  const bridgeField = pick('bridge');
  const ipv4Field = pick('ipv4');
  const network = buildNetwork({
    ...(bridgeField && { bridge: { value: bridgeField.value, ref: src.at(bridgeField.at) } }),
    ...(ipv4Field && { ipv4: { value: ipv4Field.value, ref: src.at(ipv4Field.at) } }),
    containerRef: entry.ref,
  });
  const linkField = pick('links');
  const links = buildLinks(linkField?.value.map((value, i) => ({ value, ref: src.at([...linkField.at, i]) })) ?? [], name);
  const autostart = pick('autostart')?.value ?? false;

  const spec: ContainerSpec = {
    name,
    lxcName: lxcNameOf(project, name),
    host,
    source,
    volumes,
    ports,
    dependsOn,
    network,
    links,
    autostart,
    ref: entry.ref,
  };
  if (fqdn !== undefined) spec.fqdn = fqdn;
  if (allowHostPaths.length > 0) spec.allowHostPaths = allowHostPaths;
  const stopTimeout = pick('stop_timeout')?.value;
  if (stopTimeout !== undefined) spec.stopTimeout = stopTimeout;
  const provisionField = pick('provision');
  const provision = provisionField && buildProvision(provisionField.value, provisionField.at, src);
  if (provision !== undefined && provision.length > 0) spec.provision = provision;
  const shape = buildShape({ limits: pick('limits'), cgroup: pick('cgroup'), config: pick('config'), allowConfig: pick('allow_config') }, name, src);
  if (shape.cgroup.length > 0) spec.cgroup = shape.cgroup;
  if (shape.config.length > 0) spec.config = shape.config;
  if (shape.allowConfig.length > 0) spec.allowConfig = shape.allowConfig;
  const unprivileged = pick('unprivileged');
  if (unprivileged?.value === true) spec.unprivileged = { ref: src.at(unprivileged.at) };
  const dnsField = pick('dns');
  if (dnsField !== undefined) spec.dns = buildDns(dnsField.value, dnsField.at, src);
  return { spec, edges };
}

/**
 * `allow_host_paths`: exact host paths this container may mount although they would expose the
 * host. Each must be the host path of one of its volumes, so that no allowance outlives its reason.
 */
function buildAllowances(
  field: Picked<'allow_host_paths'> | undefined,
  volumes: readonly VolumeSpec[],
  values: { name: string; project: string; fqdn: string | undefined },
  ctx: BuildContext,
): string[] {
  const allowed = new Set<string>();
  field?.value.forEach((raw, i) => {
    const ref = ctx.src.at([...field.at, i]);
    const expanded = unwrap(expandPlaceholders(raw, values), ref);
    const unsafe = describeUnsafePath(expanded);
    if (unsafe !== undefined) throw specError(`allow_host_paths entry "${raw}" ${unsafe}`, ref, `write the exact absolute host path of a volume: ${SAFE_TEXT_RULE}`);
    const path = posix.normalize(expanded).replace(/(.)\/+$/, '$1');
    if (!volumes.some((v) => v.hostPath === path)) {
      const paths = volumes.map((v) => v.hostPath);
      throw specError(
        `allow_host_paths entry "${raw}" is not the host path of a volume of ${values.name}`,
        ref,
        paths.length === 0 ? `${values.name} has no volumes: remove the entry` : `host paths of its volumes: ${paths.join(', ')}`,
      );
    }
    allowed.add(path);
  });
  return [...allowed].sort();
}

/**
 * `download: {dist, release, arch, server}` is LXC's download template with those arguments: it goes on
 * as `template: {name: download, ...}`, checked the same way. One source only: template, clone or download.
 */
function downloadAsTemplate(
  download: Picked<'download'> | undefined,
  template: Picked<'template'> | undefined,
  clone: Picked<'clone'> | undefined,
  src: YamlSource,
): Picked<'template'> | undefined {
  if (download === undefined) return template;
  const other = template ?? clone;
  if (other !== undefined) {
    const [a, b] = [src.keyAt(download.at), src.keyAt(other.at)];
    const second = a.line < b.line || (a.line === b.line && a.col < b.col) ? b : a;
    throw specError(`a container has both download and ${template ? 'template' : 'clone'}`, second, 'keep one: template, clone or download');
  }
  return { value: { name: 'download', ...download.value }, at: download.at };
}

function buildSource(
  entry: ContainerEntry,
  own: RawContainer,
  template: Picked<'template'> | undefined,
  clone: Picked<'clone'> | undefined,
  snapshot: Picked<'snapshot'> | undefined,
  ctx: BuildContext,
  edges: Edge[],
): ContainerSource {
  const { src, project, names } = ctx;
  const name = entry.name;
  if (template && clone) {
    const [a, b] = [src.keyAt(template.at), src.keyAt(clone.at)];
    const second = a.line < b.line || (a.line === b.line && a.col < b.col) ? b : a;
    throw specError(`container ${name} has both template and clone`, second, 'keep one: template creates a new container, clone copies another');
  }
  if (own.snapshot !== undefined && !clone) {
    throw specError(`snapshot only applies to a clone, and ${name} is not one`, src.keyAt([...entry.at, 'snapshot']), 'remove `snapshot:`, or replace `template:` by `clone: ORIGIN`');
  }
  if (template) {
    const ref = src.at(template.at);
    const { name: templateName, ...rest } = template.value;
    if (!TEMPLATE_NAME.test(templateName) && !templateName.startsWith('/')) {
      throw specError(`invalid template "${templateName}"`, src.at([...template.at, 'name']), 'give a template name (busybox, download) or an absolute path to a template script');
    }
    const unsafePath = templateName.startsWith('/') ? describeUnsafePath(templateName) : undefined;
    if (unsafePath !== undefined) {
      throw specError(`invalid template "${templateName}": the path ${unsafePath}`, src.at([...template.at, 'name']), `a template path reaches lxc-create: ${SAFE_TEXT_RULE}`);
    }
    const args: Record<string, string> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (!TEMPLATE_ARG.test(key)) {
        throw specError(`invalid template argument name "${key}"`, src.keyAt([...template.at, key]), 'argument names are letters, digits, "_" and "-", starting with a letter; each becomes `--NAME VALUE`');
      }
      // A number keeps its spelling: `release: 20.10` is "20.10", not "20.1".
      const text = typeof value === 'number' ? (src.sourceText([...template.at, key]) ?? String(value)) : String(value);
      const unsafe = describeUnsafeArg(text);
      if (unsafe !== undefined) {
        throw specError(
          `template argument ${key} "${text}" ${unsafe}`,
          src.at([...template.at, key]),
          `each argument reaches the template script as \`--${key} VALUE\`: ${SAFE_TEXT_RULE}, and no leading "-"`,
        );
      }
      args[key] = text;
    }
    return { kind: 'template', template: templateName, args, ref };
  }
  if (clone) {
    const ref = src.at(clone.at);
    const wanted = clone.value;
    const inProject = names.has(wanted) ? wanted : [...names].find((n) => lxcNameOf(project, n) === wanted);
    const snap = snapshot?.value ?? false;
    if (inProject !== undefined) {
      edges.push({ from: name, to: inProject, ref });
      return { kind: 'clone', origin: lxcNameOf(project, inProject), originInProject: inProject, snapshot: snap, ref };
    }
    if (!LXC_NAME.test(wanted)) {
      throw specError(`clone "${wanted}" is neither a container of this spec nor a valid LXC name`, ref, hintFor(wanted, [...names], 'containers of this spec'));
    }
    return { kind: 'clone', origin: wanted, snapshot: snap, ref };
  }
  throw specError(`container ${name} has neither template nor clone`, entry.ref, 'add `template: busybox` (a new container) or `clone: NAME` (a copy of another)');
}
