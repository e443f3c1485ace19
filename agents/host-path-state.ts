// What a host has at a volume's host path, as copy-out decides on it: the one rule that observe
// reports to the planner and copy-out applies, so the plan names exactly the folders the job seeds.

import { lstat, opendir } from 'node:fs/promises';
import type { HostPathState } from '../plans/observed.js';

/** `missing`, an `empty` folder, or `occupied` (a folder with entries, a file, a symlink: never written over). */
export async function readHostPathState(hostPath: string): Promise<HostPathState> {
  let isDirectory: boolean;
  try {
    isDirectory = (await lstat(hostPath)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  if (!isDirectory) return 'occupied';
  // One entry tells: a data folder may hold millions.
  const dir = await opendir(hostPath);
  try {
    return (await dir.read()) === null ? 'empty' : 'occupied';
  } finally {
    await dir.close();
  }
}
