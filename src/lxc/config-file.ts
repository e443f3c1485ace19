// Reading and replacing a container's config file; a replacement is atomic (temp file + rename).
// Never writes anything but the config of the container it was asked about.

import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { configPath } from './container-paths.js';

/** The config text, or undefined when the container does not exist. */
export async function readConfig(lxcpath: string, name: string): Promise<string | undefined> {
  return readTextIfExists(configPath(lxcpath, name));
}

export async function writeConfig(lxcpath: string, name: string, text: string): Promise<void> {
  const file = configPath(lxcpath, name);
  const { mode } = await stat(file);
  const tmp = `${file}.locker-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await chmod(tmp, mode & 0o7777);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
