// set-limits: the container's cgroup files in its config (read at every start) and, when it runs, in its
// cgroup at once through lxc-cgroup: a changed limit needs no restart. Each file is a v2 one, or a v1 one
// where the planner found the controller on cgroup v1 only; the agent checks the host has it there. A
// file the spec no longer sets goes back to its default.

import { LockerError } from '../../src/errors.js';
import { cgroupDefault, controllerOf, sameLiveValue, type CgroupSetting } from '../../src/rules/cgroup.js';
import { containerState, readCgroup1Controllers, readCgroup2Controllers, readCgroupLive, setCgroupLive } from '../../src/lxc/index.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { adopted, done, type ActionRunner } from './context.js';

const version = (s: CgroupSetting) => (s.v1 === true ? 'v1' : 'v2');
const sameFile = (a: CgroupSetting, b: CgroupSetting) => a.key === b.key && version(a) === version(b);

export const runSetLimits: ActionRunner<'set-limits'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  // Checked again on the host: LXC ignores cgroup keys of a hierarchy that lacks the controller, with a warning only.
  const [v2, v1] = await Promise.all([readCgroup2Controllers(), readCgroup1Controllers()]);
  const offers = (s: CgroupSetting) => (s.v1 === true ? v1 : v2).includes(controllerOf(s.key));
  const missing = params.settings.find((s) => !offers(s));
  if (missing !== undefined) {
    throw new LockerError('HOST_PRECONDITION', `host ${action.host} has no cgroup ${version(missing)} ${controllerOf(missing.key)} controller: ${name} cannot get ${missing.key}`, {
      hint: 'plan again (each limit is planned as the host has its controller, v2 or v1), or remove the limits',
    });
  }
  let before: CgroupSetting[] = [];
  const changed = await updateBlock(lxcpath, action, (update) => {
    before = update.own ? (update.current?.cgroup ?? []) : [];
    const { cgroup: _old, ...rest } = keptBlock(update, action);
    return params.settings.length > 0 ? { ...rest, cgroup: params.settings } : rest;
  });
  const state = await containerState(lxcpath, name);
  const live = state === 'RUNNING' || state === 'FROZEN' ? await setLive(lxcpath, name, before, params.settings, offers) : [];
  const what = params.settings.length === 0 ? `${name} has no limits` : `${name} has ${params.settings.map((s) => `${s.key} ${s.value}`).join(', ')}`;
  const now = live.length === 0 ? '' : `; set live: ${live.join(', ')}`;
  return changed || live.length > 0 ? done(what + now) : adopted(what);
};

/** Writes the files whose live value differs (and defaults for dropped ones); returns what it wrote. */
async function setLive(lxcpath: string, name: string, before: readonly CgroupSetting[], settings: readonly CgroupSetting[], offers: (s: CgroupSetting) => boolean): Promise<string[]> {
  const dropped = before.filter((b) => offers(b) && !settings.some((s) => sameFile(s, b)));
  const resets = dropped.flatMap((d) => {
    const value = cgroupDefault(d);
    return value === undefined ? [] : [{ ...d, value }];
  });
  const pending: CgroupSetting[] = [];
  for (const s of [...settings, ...resets]) {
    if (!sameLiveValue(s, await readCgroupLive(lxcpath, name, s.key))) pending.push(s);
  }
  // v1's memory.limit_in_bytes and memory.memsw.limit_in_bytes bound each other (memsw >= memory): one the
  // kernel refuses first is taken once the other is written.
  const refused: CgroupSetting[] = [];
  for (const s of pending) {
    await setCgroupLive(lxcpath, name, s.key, s.value).catch(() => refused.push(s));
  }
  for (const s of refused) await setCgroupLive(lxcpath, name, s.key, s.value);
  return pending.map((s) => `${s.key} ${s.value}`);
}
