// The agent of one LXC host: observes it and runs jobs on it, one job per container at a time.
// A failed action is a result ({ ok: false }), never a throw; a job is validated before anything runs.

import type { ObservedHost, ObserveRequest } from '../plans/observed.js';
import type { ActionParams } from '../plans/types.js';
import { toLockerError } from '../src/errors.js';
import { readForwards, removeForwards, setForwards } from '../src/net/index.js';
import { ADDRESS_DIR, RANGES_DIR } from '../src/lxc/index.js';
import type { ExecRequest, ExecResult, ExecSink, Job, JobReporter, JobResult } from '../src/transport/types.js';
import { prepareExec, type PreparedExec } from './exec-in-container.js';
import type { ActionContext, ActionOutcome, NetOps } from './actions/context.js';
import { runClone } from './actions/clone.js';
import { runCopyOut } from './actions/copy-out.js';
import { runCreate } from './actions/create.js';
import { runDestroy } from './actions/destroy.js';
import { runFreeze, runUnfreeze } from './actions/freeze.js';
import { runForwardPorts, runUnforwardPorts } from './actions/forward-ports.js';
import { runInstallHostnameHook } from './actions/hostname-hook.js';
import { runSetAutostart } from './actions/set-autostart.js';
import { runSetConfig } from './actions/set-config.js';
import { runSetLimits } from './actions/set-limits.js';
import { runSetDns } from './actions/set-dns.js';
import { runSetNetwork } from './actions/set-network.js';
import { runWriteLinks } from './actions/write-links.js';
import { runStart } from './actions/start.js';
import { runStop } from './actions/stop.js';
import { runWriteMounts } from './actions/write-mounts.js';
import { runProvision } from './actions/provision.js';
import { ContainerLocks } from './container-lock.js';
import { OutputTail } from './output-tail.js';
import { observeHost } from './observe-host.js';
import { withHostPaths } from './observe-host-paths.js';
import { validateJob } from './validate-job.js';

export interface LocalAgentOptions {
  host: string;
  /** The host's lxcpath (see defaultLxcPath()); separate lxcpaths act as separate hosts on one machine. */
  lxcpath: string;
  /** How long forward-ports waits for the container's IPv4 address. Default 30 s. */
  ipv4TimeoutMs?: number;
  /** Netfilter operations; default: src/net. */
  net?: NetOps;
  /** Where this machine's address claims live; default /var/lib/locker/addresses (lxc-net's dnsmasq reads lxcbr0's). */
  addressDir?: string;
}

const DEFAULT_NET: NetOps = { readForwards, setForwards, removeForwards };

export class LocalAgent {
  readonly host: string;
  readonly lxcpath: string;
  private readonly net: NetOps;
  private readonly ipv4TimeoutMs: number;
  private readonly addressDir: string;
  private readonly locks = new ContainerLocks();

  constructor(opts: LocalAgentOptions) {
    this.host = opts.host;
    this.lxcpath = opts.lxcpath;
    this.net = opts.net ?? DEFAULT_NET;
    this.ipv4TimeoutMs = opts.ipv4TimeoutMs ?? 60_000;
    this.addressDir = opts.addressDir ?? ADDRESS_DIR;
  }

  /** One pass over the host; with a request, also the host folders it names (see withHostPaths). */
  async observe(request?: ObserveRequest): Promise<ObservedHost> {
    return withHostPaths(await observeHost(this.host, this.lxcpath, this.net, { addressDir: this.addressDir }), request);
  }

  /** Runs a command inside a running container of a project; throws what kept it from running. */
  async exec(request: ExecRequest, sink: ExecSink): Promise<ExecResult> {
    return (await this.prepareExec(request))(sink);
  }

  /** Checks an exec request and its container; the command is run by calling what it returns. */
  prepareExec(request: ExecRequest): Promise<PreparedExec> {
    return prepareExec(this.host, this.lxcpath, request);
  }

  async runJob(job: Job, reporter?: JobReporter): Promise<JobResult> {
    const output = new OutputTail((lines) => reporter?.output?.(lines));
    const withOutput = <R extends JobResult>(result: R): R => {
      const tail = output.tail();
      return tail === undefined ? result : { ...result, output: tail };
    };
    try {
      validateJob(job, this.host);
      const action = job.action;
      const outcome = await this.locks.withLock(action.lxcName, () => {
        reporter?.started();
        const ctx: ActionContext = {
          lxcpath: this.lxcpath,
          action,
          net: this.net,
          ipv4TimeoutMs: this.ipv4TimeoutMs,
          addressDir: this.addressDir,
          rangesDir: RANGES_DIR,
          output,
        };
        return runAction(ctx, action.params);
      });
      const result: JobResult = { ok: true, outcome: outcome.outcome };
      if (outcome.detail !== undefined) result.detail = outcome.detail;
      if (outcome.warning !== undefined) result.warning = outcome.warning;
      return withOutput(result);
    } catch (e) {
      return withOutput({ ok: false, error: toLockerError(e).toJSON() });
    }
  }
}

function runAction(ctx: ActionContext, params: ActionParams): Promise<ActionOutcome> {
  switch (params.kind) {
    case 'create':
      return runCreate(ctx, params);
    case 'clone':
      return runClone(ctx, params);
    case 'copy-out':
      return runCopyOut(ctx, params);
    case 'write-mounts':
      return runWriteMounts(ctx, params);
    case 'install-hostname-hook':
      return runInstallHostnameHook(ctx, params);
    case 'set-network':
      return runSetNetwork(ctx, params);
    case 'write-links':
      return runWriteLinks(ctx, params);
    case 'set-autostart':
      return runSetAutostart(ctx, params);
    case 'set-limits':
      return runSetLimits(ctx, params);
    case 'set-config':
      return runSetConfig(ctx, params);
    case 'set-dns':
      return runSetDns(ctx, params);
    case 'start':
      return runStart(ctx, params);
    case 'provision':
      return runProvision(ctx, params);
    case 'forward-ports':
      return runForwardPorts(ctx, params);
    case 'unforward-ports':
      return runUnforwardPorts(ctx, params);
    case 'stop':
      return runStop(ctx, params);
    case 'freeze':
      return runFreeze(ctx, params);
    case 'unfreeze':
      return runUnfreeze(ctx, params);
    case 'destroy':
      return runDestroy(ctx, params);
  }
}
