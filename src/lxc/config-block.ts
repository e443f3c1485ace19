// The block Locker owns at the end of a container's config: parse it, and render a config with it replaced.
// Pure text in, text out; everything outside the block is kept as it is.

import path from 'node:path/posix';
import type { ManagedConfig, ObservedMount } from '../../plans/observed.js';
import { LockerError } from '../errors.js';

export const BLOCK_BEGIN = '# locker:begin';
export const BLOCK_END = '# locker:end';
const FQDN_PREFIX = '# locker:fqdn=';

export interface BlockMount extends ObservedMount {
  /** A single-file volume: mounted with create=file so LXC makes a file, not a directory, to bind onto. */
  isFile: boolean;
}

/** Everything the block says, including what ManagedConfig leaves out (mount kinds, hook path). */
export interface LockerBlock {
  project: string;
  container: string;
  mounts: BlockMount[];
  fqdn?: string;
  /** Path of the hostname hook; required when fqdn is set. */
  hookPath?: string;
}

interface BlockSpan {
  begin: number;
  end: number;
}

export function parseManagedBlock(configText: string, source = 'config'): ManagedConfig | undefined {
  const block = parseLockerBlock(configText, source);
  if (block === undefined) return undefined;
  const managed: ManagedConfig = {
    project: block.project,
    container: block.container,
    mounts: block.mounts.map(({ hostPath, containerPath, readOnly }) => ({ hostPath, containerPath, readOnly })),
  };
  if (block.fqdn !== undefined) managed.fqdn = block.fqdn;
  return managed;
}

export function parseLockerBlock(configText: string, source = 'config'): LockerBlock | undefined {
  const lines = configText.split('\n');
  const span = findBlock(lines, source);
  if (span === undefined) return undefined;
  const header = /^# locker:begin project=(\S+) container=(\S+)$/.exec(lines[span.begin]!.trim());
  if (header === null) throw corrupt(source, `unreadable block header "${lines[span.begin]!.trim()}"`);
  const block: LockerBlock = { project: header[1]!, container: header[2]!, mounts: [] };
  for (const raw of lines.slice(span.begin + 1, span.end)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith(FQDN_PREFIX)) {
      block.fqdn = line.slice(FQDN_PREFIX.length);
      continue;
    }
    const entry = /^(lxc\.[a-z.]+)\s*=\s*(.*)$/.exec(line);
    const key = entry?.[1];
    const value = entry?.[2] ?? '';
    if (key === 'lxc.mount.entry') block.mounts.push(parseMountEntry(value, source));
    else if (key === 'lxc.hook.mount') block.hookPath = value.trim();
    // The uts name is derived from the fqdn; lxc-copy drops it from a clone's copy of the block.
    else if (key !== 'lxc.uts.name') throw corrupt(source, `unexpected line in the Locker block: "${line}"`);
  }
  return block;
}

/**
 * The config with Locker's block removed from wherever it was and appended at the end.
 * At the end, its keys win over earlier ones: lxc-copy appends its own `lxc.uts.name` after a
 * cloned block, so rewriting the block in place would leave the clone named by lxc-copy.
 */
export function renderConfig(configText: string, block: LockerBlock | undefined): string {
  const lines = configText.split('\n');
  const span = findBlock(lines, 'config');
  const kept = span === undefined ? lines : [...lines.slice(0, span.begin), ...lines.slice(span.end + 1)];
  let rest = kept.join('\n');
  if (block === undefined) return rest;
  if (rest !== '' && !rest.endsWith('\n')) rest += '\n';
  return rest + renderBlock(block);
}

export function renderBlock(block: LockerBlock): string {
  const lines = [`${BLOCK_BEGIN} project=${block.project} container=${block.container}`];
  for (const m of block.mounts) lines.push(renderMountEntry(m));
  if (block.fqdn !== undefined) {
    if (block.hookPath === undefined) {
      throw new LockerError('INTERNAL', `Locker block for ${block.container} has an fqdn but no hook path`);
    }
    lines.push(`lxc.uts.name = ${hostLabel(block.fqdn)}`);
    lines.push(`lxc.hook.mount = ${block.hookPath}`);
    lines.push(`${FQDN_PREFIX}${block.fqdn}`);
  }
  lines.push(BLOCK_END);
  return lines.join('\n') + '\n';
}

export function renderMountEntry(m: BlockMount): string {
  // fstab form: the target is relative to the rootfs.
  const target = path.normalize(m.containerPath).replace(/^\/+|\/+$/g, '');
  const options = ['bind', ...(m.readOnly ? ['ro'] : []), m.isFile ? 'create=file' : 'create=dir'].join(',');
  return `lxc.mount.entry = ${m.hostPath} ${target} none ${options} 0 0`;
}

/** First label of an fqdn: what `hostname` prints inside. */
export function hostLabel(fqdn: string): string {
  return fqdn.split('.')[0]!;
}

function parseMountEntry(value: string, source: string): BlockMount {
  const fields = value.trim().split(/\s+/);
  const [hostPath, target, , options] = fields;
  if (hostPath === undefined || target === undefined || options === undefined || fields.length !== 6) {
    throw corrupt(source, `unreadable mount entry "${value.trim()}"`);
  }
  const opts = options.split(',');
  return {
    hostPath,
    containerPath: path.join('/', target).replace(/(.)\/+$/, '$1'),
    readOnly: opts.includes('ro'),
    isFile: opts.includes('create=file'),
  };
}

function findBlock(lines: string[], source: string): BlockSpan | undefined {
  const begins: number[] = [];
  const ends: number[] = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === BLOCK_BEGIN || t.startsWith(`${BLOCK_BEGIN} `)) begins.push(i);
    else if (t === BLOCK_END) ends.push(i);
  });
  if (begins.length === 0 && ends.length === 0) return undefined;
  if (begins.length !== 1 || ends.length !== 1) {
    throw corrupt(source, `expected one Locker block, found ${begins.length} begin and ${ends.length} end lines`);
  }
  const span = { begin: begins[0]!, end: ends[0]! };
  if (span.end < span.begin) throw corrupt(source, '"# locker:end" comes before "# locker:begin"');
  return span;
}

function corrupt(source: string, what: string): LockerError {
  return new LockerError('HOST_PRECONDITION', `${source}: ${what}`, {
    hint: 'the Locker block of this container config was edited by hand; fix or remove it, then plan again',
  });
}
