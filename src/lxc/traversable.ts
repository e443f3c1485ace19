// An unprivileged container's root is an unprivileged id on the host: LXC starts it only when that id can
// reach the rootfs, so every folder on the way to the lxcpath must let others through (x for others).
// The same holds for the source of each idmapped volume (LXC opens it inside the user namespace).
// Checked before anything is written: a clear refusal instead of lxc-start's "Permission denied".

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../errors.js';

/** `what`: what the container's root must reach there, for the message (`its rootfs`, `volume /srv/x`). */
export async function assertTraversableByOthers(dir: string, what: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = (await stat(d)).mode;
    if ((mode & 0o001) === 0) {
      throw new LockerError('HOST_PRECONDITION', `${d} does not let others through (mode ${(mode & 0o777).toString(8)}): an unprivileged container's root could not reach ${what}`, {
        hint: `\`chmod o+x ${d}\` (or an ACL for the container's root), or use a path whose folders are open to others, such as /var/lib/lxc or /srv`,
      });
    }
    if (d === path.dirname(d)) return;
  }
}
