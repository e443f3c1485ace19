// Creating a container from a template (a name like `busybox`, or an absolute path to a script).
// A template that fails will fail the same way again: the error is not retryable.
// An unprivileged container is created in its user namespace from the start: its uid/gid map goes into
// the config lxc-create starts from (`-f`: LXC's default config plus the map), so the template writes a
// rootfs owned by the mapped ids.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { renderIdmap } from './idmap.js';
import { LockerError } from '../errors.js';
import { runLxc } from './run-lxc.js';

export async function createContainer(
  lxcpath: string,
  name: string,
  template: string,
  args: Record<string, string>,
  opts: { idmapBase?: number } = {},
): Promise<void> {
  const templateArgs = Object.entries(args)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => [`--${key}`, value]);
  const argv = ['-P', lxcpath, '-n', name, '-t', template];
  const dir = opts.idmapBase === undefined ? undefined : await mkdtemp(path.join(os.tmpdir(), 'locker-create-'));
  try {
    if (dir !== undefined) {
      const file = path.join(dir, 'config');
      await writeFile(file, (await defaultConfig()) + renderIdmap(opts.idmapBase!));
      argv.push('-f', file);
    }
    if (templateArgs.length > 0) argv.push('--', ...templateArgs);
    // Templates may download a distribution: give them time.
    await runLxc('lxc-create', argv, { retryable: false, timeoutMs: 15 * 60_000 });
  } catch (e) {
    if (template !== 'download' || !(e instanceof LockerError) || e.code !== 'LXC_COMMAND_FAILED') throw e;
    throw downloadFailure(e, args);
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** What lxc-create starts from without `-f` (`-f` replaces it, so it is copied in). */
async function defaultConfig(): Promise<string> {
  const { stdout } = await runLxc('lxc-config', ['lxc.default_config'], { subject: 'lxc.default_config' });
  const text = (await readTextIfExists(stdout.trim() || '/etc/lxc/default.conf')) ?? '';
  // Its own idmap lines (a host set up for unprivileged containers) give way to the container's range.
  const kept = text.split('\n').filter((l) => !/^\s*lxc\.idmap\s*=/.test(l)).join('\n');
  return kept === '' || kept.endsWith('\n') ? kept : `${kept}\n`;
}

/** The download template's own complaint (`ERROR: Failed to download ...`) in the message, and what to check. */
function downloadFailure(e: LockerError, args: Record<string, string>): LockerError {
  const stderr = /stderr:\s*([\s\S]*)$/.exec(e.detail ?? '')?.[1] ?? '';
  const said = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^ERROR:/.test(l));
  const server = args.server ?? 'images.linuxcontainers.org';
  return new LockerError('LXC_COMMAND_FAILED', `${e.message}${said === undefined ? '' : `: ${said}`}`, {
    hint: `the download template fetches ${args.dist ?? '?'} ${args.release ?? '?'} ${args.arch ?? '?'} from ${server}: check that this host reaches it (proxy, firewall, DNS) and that the image exists (\`lxc-create -t download -- --list --server ${server}\`), then retry`,
    retryable: false,
    ...(e.detail === undefined ? {} : { detail: e.detail }),
  });
}
