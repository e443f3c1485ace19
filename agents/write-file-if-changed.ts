// Writing one small file only when its content or mode differs, atomically (temp file + rename).
// Returns whether anything changed, so actions can report adopted.

import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';

export async function writeFileIfChanged(file: string, content: string, mode: number): Promise<boolean> {
  const current = await readIfExists(file);
  if (current !== undefined && current.content === content && current.mode === mode) return false;
  const tmp = `${file}.locker-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, content, { flag: 'wx', mode });
    await chmod(tmp, mode); // the umask may have narrowed it
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return true;
}

/** Removes a file Locker owns; returns whether there was one. */
export async function removeOwnFile(file: string): Promise<boolean> {
  const existed = (await readIfExists(file)) !== undefined;
  await rm(file, { force: true });
  return existed;
}

async function readIfExists(file: string): Promise<{ content: string; mode: number } | undefined> {
  try {
    const [content, s] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { content, mode: s.mode & 0o7777 };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
