// provision: the user's commands, in order, inside the running container once its network is up; the first
// failure ends the step. The list's digest is recorded in Locker's block, done or failed, so the planner
// runs it again only when it changed, failed, or is asked to.

import { provisionDigest } from '../../plans/provision-digest.js';
import type { ProvisionRecord } from '../../plans/observed.js';
import { LockerError } from '../../src/errors.js';
import { attachShell, containerState, waitForNetwork, type ShellEnd } from '../../src/lxc/index.js';
import { labelCommand } from '../../src/rules/provision.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { done, type ActionContext, type ActionRunner } from './context.js';

export const runProvision: ActionRunner<'provision'> = async (ctx, params) => {
  const { lxcpath, action } = ctx;
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state !== 'RUNNING') {
    throw new LockerError('HOST_PRECONDITION', `cannot provision ${name}: it is ${state}`, {
      hint: state === 'MISSING' ? 'it must be created and started first' : 'provision runs in a running container: start it (`locker up`), then retry',
      retryable: state === 'STARTING',
    });
  }
  await waitForNetwork(lxcpath, name, { timeoutMs: ctx.ipv4TimeoutMs });
  const digest = provisionDigest(params.commands);
  const total = params.commands.length;
  for (const [i, command] of params.commands.entries()) {
    const end = await attachShell(lxcpath, name, command, (text) => ctx.output.write(text));
    ctx.output.flush();
    if (end.ok) continue;
    await record(ctx, { digest, state: 'failed' });
    throw new LockerError('PROVISION_FAILED', `provision command ${i + 1} of ${total} (${labelCommand(command.run)}) ${describeEnd(end)}`, {
      hint: `its output is above and in \`locker show RUN\`: fix what it needs inside ${name}, then \`locker retry RUN --yes\` runs the list again; or fix the list in the spec, then \`locker up\``,
    });
  }
  await record(ctx, { digest, state: 'done' });
  return done(`ran ${total} command${total === 1 ? '' : 's'} in ${name}`);
};

function describeEnd(end: Exclude<ShellEnd, { ok: true }>): string {
  if ('notStarted' in end) return `could not start: lxc-attach ${end.notStarted === 'ENOENT' ? 'is not installed' : `failed (${end.notStarted})`}`;
  if ('timedOut' in end) return 'ran too long and was killed';
  if ('hostSignal' in end) return `ended: lxc-attach was killed by ${end.hostSignal}`;
  if (end.signal !== undefined) return `was killed by signal ${end.signal} (exit status ${end.exitCode})`;
  return `exited with status ${end.exitCode}`;
}

async function record(ctx: ActionContext, provision: ProvisionRecord): Promise<void> {
  await updateBlock(ctx.lxcpath, ctx.action, (update) => ({ ...keptBlock(update, ctx.action), provision }));
}
