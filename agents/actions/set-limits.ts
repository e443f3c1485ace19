// set-limits: the container's cgroup v2 files in its config (read at every start) and, when it runs, in
// its cgroup at once through lxc-cgroup: a changed limit needs no restart. A file the spec no longer sets
// goes back to its default.

import { LockerError } from '../../src/errors.js';
import { cgroupDefault, controllerOf, type CgroupSetting } from '../../src/rules/cgroup.js';
import { containerState, readCgroup2Controllers, readCgroupLive, setCgroupLive } from '../../src/lxc/index.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runSetLimits: ActionRunner<'set-limits'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  // Checked again on the host: LXC ignores lxc.cgroup2.* keys the host cannot take, with a warning only.
  const offered = new Set(await readCgroup2Controllers());
  const missing = params.settings.find((s) => !offered.has(controllerOf(s.key)));
  if (missing !== undefined) {
    throw new LockerError('HOST_PRECONDITION', `host ${action.host} has no cgroup v2 ${controllerOf(missing.key)} controller: ${name} cannot get ${missing.key}`, {
      hint: 'boot the host with cgroup v2 only (systemd.unified_cgroup_hierarchy=1, or cgroup_no_v1=all), or remove the limits',
    });
  }
  let before: CgroupSetting[] = [];
  const changed = await updateBlock(lxcpath, action, (update) => {
    before = update.own ? (update.current?.cgroup ?? []) : [];
    const { cgroup: _old, ...rest } = keptBlock(update, action);
    return params.settings.length > 0 ? { ...rest, cgroup: params.settings } : rest;
  });
  const state = await containerState(lxcpath, name);
  const live: string[] = [];
  if (state === 'RUNNING' || state === 'FROZEN') {
    const dropped = before.filter((b) => !params.settings.some((s) => s.key === b.key));
    const wanted = [...params.settings, ...dropped.flatMap((d) => (cgroupDefault(d.key) === undefined ? [] : [{ key: d.key, value: cgroupDefault(d.key)! }]))];
    for (const s of wanted) {
      if ((await readCgroupLive(lxcpath, name, s.key)) === s.value) continue;
      await setCgroupLive(lxcpath, name, s.key, s.value);
      live.push(`${s.key} ${s.value}`);
    }
  }
  const what = params.settings.length === 0 ? `${name} has no limits` : `${name} has ${params.settings.map((s) => `${s.key} ${s.value}`).join(', ')}`;
  const now = live.length === 0 ? '' : `; set live: ${live.join(', ')}`;
  return changed || live.length > 0 ? done(what + now) : adopted(what);
};
