// A file's text, or undefined when it is not there: the one "absent is an answer" read. Any other error
// (permissions, a directory in the way) is thrown as it is.

import { readFile } from 'node:fs/promises';

export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
