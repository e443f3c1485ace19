// Host ownership of data copied out of an unprivileged container's rootfs: its files are owned by the
// mapped ids (BASE+N); the volume is an idmapped mount, where host id N shows as N inside. So each copied
// entry owned by BASE+N becomes N, and the container sees the seeded files as it saw them in its rootfs.

import { lchown, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { RANGE_SIZE, type ConfigIdmap } from '../src/lxc/index.js';

export async function shiftOwnershipDown(root: string, map: ConfigIdmap): Promise<void> {
  const down = (id: number, base: number) => (id >= base && id < base + RANGE_SIZE ? id - base : id);
  const visit = async (p: string): Promise<void> => {
    const st = await lstat(p);
    const uid = down(st.uid, map.uidBase);
    const gid = down(st.gid, map.gidBase);
    if (uid !== st.uid || gid !== st.gid) await lchown(p, uid, gid);
    if (st.isDirectory()) for (const name of await readdir(p)) await visit(path.join(p, name));
  };
  await visit(root);
}
