// Creating a container from a template (a name like `busybox`, or an absolute path to a script).
// A template that fails will fail the same way again: the error is not retryable.

import { runLxc } from './run-lxc.js';

export async function createContainer(
  lxcpath: string,
  name: string,
  template: string,
  args: Record<string, string>,
): Promise<void> {
  const templateArgs = Object.entries(args)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => [`--${key}`, value]);
  const argv = ['-P', lxcpath, '-n', name, '-t', template];
  if (templateArgs.length > 0) argv.push('--', ...templateArgs);
  // Templates may download a distribution: give them time.
  await runLxc('lxc-create', argv, { retryable: false, timeoutMs: 15 * 60_000 });
}
