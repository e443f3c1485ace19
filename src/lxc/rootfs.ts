// Where a container's root filesystem lives, read from its config: a plain directory or an overlay.
// Pure; a snapshot clone's origin is the container whose rootfs is the overlay's lower layer.

import path from 'node:path/posix';

export type Rootfs =
  | { kind: 'dir'; path: string }
  /** `lower` is the origin's rootfs (read-only here), `upper` the clone's own writable delta. */
  | { kind: 'overlay'; lower: string; upper: string }
  | { kind: 'other'; raw: string };

/** The effective `lxc.rootfs.path` (LXC keeps the last one); undefined when the config has none. */
export function parseRootfs(configText: string): Rootfs | undefined {
  let raw: string | undefined;
  for (const line of configText.split('\n')) {
    const m = /^\s*lxc\.rootfs\.path\s*=\s*(.*?)\s*$/.exec(line);
    if (m) raw = m[1]!;
  }
  if (raw === undefined || raw === '') return undefined;
  if (raw.startsWith('dir:')) return { kind: 'dir', path: raw.slice('dir:'.length) };
  if (raw.startsWith('/')) return { kind: 'dir', path: raw };
  const overlay = /^(?:overlay|overlayfs):(.*)$/.exec(raw);
  if (overlay) {
    // LXC's form is exactly `overlay:LOWER:UPPER`.
    const [lower, upper, ...more] = overlay[1]!.split(':');
    if (lower?.startsWith('/') && upper?.startsWith('/') && more.length === 0) {
      return { kind: 'overlay', lower, upper };
    }
  }
  return { kind: 'other', raw };
}

/** LXC name of the snapshot origin when the overlay's lower layer is `<lxcpath>/<origin>/rootfs`. */
export function parseSnapshotOrigin(configText: string, lxcpath: string): string | undefined {
  const rootfs = parseRootfs(configText);
  if (rootfs?.kind !== 'overlay') return undefined;
  const lower = path.normalize(rootfs.lower);
  const base = path.normalize(lxcpath).replace(/\/+$/, '');
  if (path.basename(lower) !== 'rootfs') return undefined;
  const containerDir = path.dirname(lower);
  if (path.dirname(containerDir) !== base) return undefined;
  return path.basename(containerDir);
}

/** Directories whose union is the container's filesystem, bottom first. */
export function rootfsLayers(rootfs: Rootfs): string[] | undefined {
  if (rootfs.kind === 'dir') return [rootfs.path];
  if (rootfs.kind === 'overlay') return [rootfs.lower, rootfs.upper];
  return undefined;
}
