// The host's default lxcpath, as LXC itself reports it.

import { runLxc } from './run-lxc.js';

export async function defaultLxcPath(): Promise<string> {
  const { stdout } = await runLxc('lxc-config', ['lxc.lxcpath'], { subject: 'lxc.lxcpath' });
  return stdout.trim();
}
