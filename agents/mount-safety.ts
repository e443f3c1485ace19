// The last check before a host path is mounted, created or written into: the path the kernel would really
// use, symlinks resolved, must not be a forbidden place (src/spec/mount-policy) nor this agent's lxcpath,
// unless the job allows exactly that path. A symlink planted between plan and apply is caught here.

import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { MountParams } from '../plans/types.js';
import { LockerError } from '../src/errors.js';
import { describeViolation, findRefusedMount, optInHint, type ForbiddenTree } from '../src/spec/index.js';

/** Throws HOST_PRECONDITION (not retryable) for the first mount whose host path, as written or as resolved, is refused. */
export async function assertMountsSafe(lxcpath: string, mounts: readonly MountParams[], allowed: readonly string[] = []): Promise<void> {
  const trees = await lxcpathTrees(lxcpath);
  for (const m of mounts) {
    const written = findRefusedMount(m.hostPath, allowed, trees);
    if (written !== undefined) throw refuse(describeViolation(written), m.hostPath);
    const real = await resolveReal(m.hostPath);
    const resolved = findRefusedMount(real, allowed, trees);
    if (resolved !== undefined) throw refuse(`host path ${m.hostPath} resolves to ${real}: ${describeViolation(resolved)}`, real);
  }
}

/** The agent's lxcpath as given and as resolved: every container's rootfs and config live there. */
async function lxcpathTrees(lxcpath: string): Promise<ForbiddenTree[]> {
  const what = "this host's containers (its lxcpath)";
  const trees: ForbiddenTree[] = [{ path: path.resolve(lxcpath), what }];
  const real = await realpath(lxcpath).catch(() => undefined);
  if (real !== undefined && real !== trees[0]!.path) trees.push({ path: real, what });
  return trees;
}

/**
 * The real path of `p`: its deepest existing ancestor resolved, plus the parts that do not exist yet
 * (a missing host folder is created through whatever its parents really are).
 */
export async function resolveReal(p: string): Promise<string> {
  const missing: string[] = [];
  let head = path.resolve(p);
  let appeared = 0;
  for (;;) {
    try {
      return path.join(await realpath(head), ...missing);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new LockerError('HOST_PRECONDITION', `cannot resolve host path ${p} (${code ?? 'error'})`, { cause: e });
      }
      const found = await lstat(head).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
        throw new LockerError('HOST_PRECONDITION', `cannot resolve host path ${p} (${err.code ?? 'error'})`, { cause: err });
      });
      // It exists but does not resolve: a symlink to nothing, which mkdir would follow wherever it points later.
      if (found?.isSymbolicLink()) {
        throw new LockerError('HOST_PRECONDITION', `host path ${p} leads through ${head}, a symlink that points nowhere`, {
          hint: `remove or fix the symlink ${head}`,
        });
      }
      // Not a symlink: it was created between the two looks (say a sibling volume's copy-out made the
      // shared parent folder); resolve it again. Bounded: a path cannot keep appearing.
      if (found !== undefined && appeared++ < 3) continue;
      if (found !== undefined) throw new LockerError('HOST_PRECONDITION', `cannot resolve host path ${p}: ${head} keeps changing`);
      missing.unshift(path.basename(head));
      head = path.dirname(head);
    }
  }
}

function refuse(message: string, hostPath: string): LockerError {
  return new LockerError('HOST_PRECONDITION', message, {
    hint: `nothing was mounted or written; ${optInHint(hostPath, 'the container')} (the spec must name the real path)`,
  });
}
