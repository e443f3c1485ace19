// The wire protocol between control point and agents: each message built by the code that sends it goes
// through encode and decode unchanged, and a malformed one is refused as MESSAGE_INVALID naming the
// subject and the field. Hostile values inside a well-formed job are the agent's own checks (lxc-agent-*).

import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../agents/heartbeat.js';
import type { HeartbeatBody, HostLease } from '../../agents/host-lease.js';
import { LocalAgent } from '../../agents/local-agent.js';
import { planChanges, type ObservedHost } from '../../plans/index.js';
import { ACTION_KINDS, type PlannedAction } from '../../plans/types.js';
import { LockerError } from '../../src/errors.js';
import { jobMessageId, jobSubject, observeSubject, resultSubject } from '../../src/nats/names.js';
import type { Job, JobResult } from '../../src/transport/types.js';
import {
  decodeObserveRequest,
  encodeObserveRequest,
  heartbeatMessage,
  jobMessage,
  observeReply,
  readJob,
  resultMessage,
  type JobResultMessage,
} from '../../src/transport/wire/index.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const SUBJECT = jobSubject('local');

const db = container('db', { line: 1, ports: ['5432:5432'], autostart: true, provision: ['apk add postgresql', { run: 'echo "$A"', env: { A: 'b c' } }] });
const web = container('web', {
  line: 20,
  ports: ['8080:80', '127.0.0.1:9000:9000/udp', '[::]:8443:443'],
  volumes: ['/srv/demo/www:/var/www:ro'],
  fqdn: 'web.example.net',
  links: ['db'],
  dependsOn: ['db'],
  autostart: true,
});
const copy = container('copy', { line: 40, clone: 'web', snapshot: true });
const ref = { file: 'locker.yml', line: 2, col: 3, path: 'db.limits' };
db.cgroup = [{ key: 'memory.max', value: '536870912', v1: [{ key: 'memory.limit_in_bytes', value: '536870912', v1: true }], from: 'limits.memory: 512M', ref }];
db.config = [{ key: 'lxc.apparmor.profile', values: ['unconfined'], ref }];
db.allowConfig = ['lxc.apparmor.profile'];
db.dns = [{ value: '9.9.9.9', ref }, { value: '$bridge', ref }];

/** Every action the planner makes for a project going up on an empty host, and coming down again. */
function plannedActions(): PlannedAction[] {
  const spec = desired(db, web, copy);
  const empty = host('local');
  empty.hostPaths = { '/srv/demo/www': 'empty' };
  const up = planChanges({ desired: spec, observed: world(empty), mode: 'up' });
  // db frozen: down thaws it before its stop.
  const down = planChanges({ desired: spec, observed: convergedLocal([db, web, copy], { db: 'FROZEN' }), mode: 'down' });
  const freeze = planChanges({ desired: spec, observed: convergedLocal([db, web, copy]), mode: 'freeze' });
  return [...up.actions, ...down.actions, ...freeze.actions];
}

/** A well-formed job as JSON, changed by `mutate`: what a buggy or hostile sender could publish. */
function mutated(mutate: (job: Record<string, any>) => void): Uint8Array {
  const job = JSON.parse(jobMessage.encode(makeJob(makeAction({ kind: 'start' })))) as Record<string, any>;
  mutate(job);
  return bytes(JSON.stringify(job));
}

function refusedJob(data: Uint8Array): LockerError {
  const read = readJob(data, SUBJECT, undefined);
  if (read.ok) throw new Error('expected the job to be refused');
  return read.error;
}

describe('jobs', () => {
  it('carry every action the planner makes through encode and decode unchanged', () => {
    const actions = plannedActions();
    expect(new Set(actions.map((a) => a.kind))).toEqual(new Set(ACTION_KINDS));
    for (const action of actions) {
      const job = makeJob(action, { runId: 'r-7', planId: 'p-7', attempt: 2 });
      expect(jobMessage.decode(bytes(jobMessage.encode(job)), jobSubject(action.host))).toEqual(job);
    }
  });

  it.each<[string, (j: Record<string, any>) => void, RegExp]>([
    ['no runId', (j) => delete j.runId, /^job on locker\.jobs\.local is not readable: runId: /],
    ['attempt 0', (j) => (j.attempt = 0), /: attempt: Too small/],
    ['a container name that is a list', (j) => (j.action.container = ['web']), /: action\.container: /],
    ['params without a kind', (j) => (j.action.params = {}), /: action\.params\.kind: /],
    ['params of an unknown kind', (j) => (j.action.params = { kind: 'format-disk' }), /: action\.params\.kind: /],
    ['template arguments as a list', (j) => (j.action.params = { kind: 'create', template: 'busybox', args: ['--x'] }), /: action\.params\.args: /],
    ['a template argument that is a number', (j) => (j.action.params = { kind: 'create', template: 'busybox', args: { release: 12 } }), /: action\.params\.args\.release: /],
    ['mounts that are not a list', (j) => (j.action.params = { kind: 'write-mounts', mounts: 'x' }), /: action\.params\.mounts: /],
    ['a mount that is a string', (j) => (j.action.params = { kind: 'write-mounts', mounts: ['/srv:/x'] }), /: action\.params\.mounts\.0: /],
    ['a readOnly that is text', (j) => (j.action.params = { kind: 'write-mounts', mounts: [{ hostPath: '/srv/x', containerPath: '/x', readOnly: 'yes' }] }), /: action\.params\.mounts\.0\.readOnly: /],
    ['allowed that is not a list of paths', (j) => (j.action.params = { kind: 'write-mounts', mounts: [], allowed: '/etc' }), /: action\.params\.allowed: /],
    ['an fqdn that is a number', (j) => (j.action.params = { kind: 'install-hostname-hook', fqdn: 7 }), /: action\.params\.fqdn: /],
    ['a port that is text', (j) => (j.action.params = { kind: 'forward-ports', ports: [{ protocol: 'tcp', hostPort: '80', containerPort: 80 }] }), /: action\.params\.ports\.0\.hostPort: /],
    ['a protocol that is neither tcp nor udp', (j) => (j.action.params = { kind: 'forward-ports', ports: [{ protocol: 'sctp', hostPort: 80, containerPort: 80 }] }), /ports\.0\.protocol: /],
    ['a field this agent does not know', (j) => (j.action.params.privileged = true), /: action\.params: Unrecognized key: "privileged"/],
    ['config lines that are a map', (j) => (j.action.params = { kind: 'set-config', lines: { 'lxc.arch': 'x86_64' } }), /: action\.params\.lines: /],
    ['a config value that is a number', (j) => (j.action.params = { kind: 'set-config', lines: [{ key: 'lxc.tty.max', value: 4 }] }), /: action\.params\.lines\.0\.value: /],
    ['a limit without a value', (j) => (j.action.params = { kind: 'set-limits', settings: [{ key: 'memory.max' }] }), /: action\.params\.settings\.0\.value: /],
    ['a limit marked v1 with false', (j) => (j.action.params = { kind: 'set-limits', settings: [{ key: 'pids.max', value: '1', v1: false }] }), /: action\.params\.settings\.0\.v1: /],
  ])('refuses a job with %s, naming the subject and the field', (_what, mutate, message) => {
    const error = refusedJob(mutated(mutate));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/\n/);
    expect(error.hint).toMatch(/versions of Locker/);
  });

  it('still names the run, action and attempt of a message that is not a job, so its sender gets an answer', () => {
    const fromFields = readJob(mutated((j) => (j.action.params = {})), SUBJECT, undefined);
    expect(fromFields).toMatchObject({ ok: false, key: { runId: 'r1', actionId: 'local/web/start', attempt: 1 } });
    const fromMsgId = readJob(bytes('not json {'), SUBJECT, jobMessageId('r9', 'local/x/create', 3));
    expect(fromMsgId).toMatchObject({ ok: false, key: { runId: 'r9', actionId: 'local/x/create', attempt: 3 } });
    if (!fromMsgId.ok) expect(fromMsgId.error.message).toMatch(/^job on locker\.jobs\.local is not readable: not JSON \(/);
    const nothing = readJob(bytes('\xff'), SUBJECT, 'no-id');
    expect(nothing.ok === false && nothing.key).toBe(undefined);
    expect(refusedJob(new Uint8Array([0xff, 0xfe])).message).toMatch(/not UTF-8$/);
  });
});

describe('job results', () => {
  const scope = { runId: 'r1', actionId: 'local/web/create', attempt: 1, host: 'local' };

  it("carry the agent's own refusal, a success and a failure with its causes unchanged", async () => {
    // A job for another host: LocalAgent refuses it before it touches anything.
    const refused = await new LocalAgent({ host: 'local', lxcpath: '/nonexistent' }).runJob(makeJob(makeAction({ kind: 'start' }, { host: 'b' })));
    expect(refused).toMatchObject({ ok: false, error: { code: 'HOST_PRECONDITION' } });
    const failure = new LockerError('LXC_COMMAND_FAILED', 'lxc-start failed', {
      hint: 'see the detail',
      detail: 'lxc-start -n demo_web: exit 1',
      retryable: true,
      location: { file: 'locker.yml', line: 3, col: 5, path: 'web' },
      cause: new LockerError('INTERNAL', 'inner', { cause: new Error('ENOSPC') }),
    });
    const results: JobResult[] = [refused, { ok: true, outcome: 'adopted', detail: 'already running' }, { ok: false, error: failure.toJSON() }];
    for (const result of results) {
      const messages: JobResultMessage[] = [{ type: 'started', ...scope }, { type: 'finished', ...scope, result }];
      for (const m of messages) expect(resultMessage.decode(bytes(resultMessage.encode(m)), resultSubject('local'))).toEqual(m);
    }
    const back = resultMessage.decode(bytes(resultMessage.encode({ type: 'finished', ...scope, result: { ok: false, error: failure.toJSON() } })), resultSubject('local'));
    if (back.type !== 'finished' || back.result.ok) throw new Error('expected a failed result');
    expect(LockerError.fromJSON(back.result.error).toJSON()).toEqual(failure.toJSON());
  });

  it('read an error code of a newer agent as INTERNAL, keeping its code in the message', () => {
    const text = JSON.stringify({ type: 'finished', ...scope, result: { ok: false, error: { name: 'LockerError', code: 'DISK_FULL', message: 'no space', retryable: true } } });
    expect(resultMessage.decode(bytes(text), resultSubject('local'))).toMatchObject({ result: { ok: false, error: { code: 'INTERNAL', message: '[DISK_FULL] no space', retryable: true } } });
  });

  it.each([
    ['an unknown type', { type: 'progress', ...scope }, /: type: /],
    ['no attempt', { type: 'started', runId: 'r1', actionId: 'a', host: 'h' }, /: attempt: /],
    ['a result without ok', { type: 'finished', ...scope, result: { outcome: 'done' } }, /: result\.ok: /],
    ['an error that is a string', { type: 'finished', ...scope, result: { ok: false, error: 'boom' } }, /: result/],
  ])('refuse %s', (_what, value, message) => {
    const error = thrown(() => resultMessage.decode(bytes(JSON.stringify(value)), resultSubject('h')));
    expect([error.code, error.message.startsWith('job result message on locker.results.h is not readable: ')]).toEqual(['MESSAGE_INVALID', true]);
    expect(error.message).toMatch(message);
  });
});

describe('observe requests and replies', () => {
  const subject = observeSubject('local');

  it('nothing to ask is an empty message, read back as an empty request', () => {
    expect(encodeObserveRequest(undefined)).toBe('');
    expect(encodeObserveRequest({})).toBe('');
    expect(encodeObserveRequest({ volumes: [] })).toBe('');
    expect(decodeObserveRequest(new Uint8Array(), subject)).toEqual({});
  });

  it('round-trip the volumes asked about, and ignore what a newer control point asks besides', () => {
    const request = { volumes: [{ container: 'demo_web', hostPaths: ['/srv/demo/www', '/srv/demo/log'] }] };
    expect(decodeObserveRequest(bytes(encodeObserveRequest(request)), subject)).toEqual(request);
    expect(decodeObserveRequest(bytes('{"volumes":[],"later":true}'), subject)).toEqual({ volumes: [] });
  });

  it.each([
    { name: 'not JSON', text: 'volumes please', message: /not JSON/ },
    { name: 'a relative path', text: '{"volumes":[{"container":"demo_web","hostPaths":["srv/www"]}]}', message: /volumes\.0\.hostPaths\.0: an absolute path/ },
    { name: 'a NUL in a path', text: '{"volumes":[{"container":"demo_web","hostPaths":["/srv/\\u0000"]}]}', message: /hostPaths/ },
    { name: 'no container', text: '{"volumes":[{"hostPaths":["/srv/www"]}]}', message: /volumes\.0\.container/ },
  ])('refuse a request with $name, saying what is wrong', ({ text, message }) => {
    const error = thrown(() => decodeObserveRequest(bytes(text), subject));
    expect(error.code).toBe('MESSAGE_INVALID');
    expect(error.message).toMatch(/^observe request on locker\.observe\.local is not readable: /);
    expect(error.message).toMatch(message);
  });

  it('replies carry an observed host and an error unchanged', () => {
    const observed: ObservedHost = host('local', [observedOf(web), observedOf(db, 'STOPPED')], [...forwardsOf(web), ...forwardsOf(db)]);
    observed.addresses = [{ ip: '10.0.3.9', kind: 'lease', holder: 'DHCP lease of 00:16:3e:00:00:01', mac: '00:16:3e:00:00:01' }];
    observed.hostPaths = { '/srv/demo/www': 'occupied' };
    // A hybrid host: memory on cgroup v1, its limit in the block as a v1 file.
    observed.cgroup2 = ['hugetlb'];
    observed.cgroup1 = ['cpu', 'memory', 'pids'];
    observed.containers.find((c) => c.managed?.cgroup !== undefined)!.managed!.cgroup = [{ key: 'memory.limit_in_bytes', value: '536870912', v1: true }];
    const error = new LockerError('AGENT_OFFLINE', 'busy', { retryable: true }).toJSON();
    for (const reply of [{ ok: true as const, observed }, { ok: false as const, error }]) {
      expect(observeReply.decode(bytes(observeReply.encode(reply)), subject)).toEqual(reply);
    }
  });

  it('refuse a reply that is not an observed host, and read a container state of a newer agent as UNKNOWN', () => {
    const observed = host('local', [observedOf(web)]);
    const broken = { ok: true, observed: { ...observed, forwards: [{ hostPort: 'x' }] } };
    expect(thrown(() => observeReply.decode(bytes(JSON.stringify(broken)), subject)).message).toMatch(/^observe reply on locker\.observe\.local is not readable: .*forwards\.0/);
    const newer = { ok: true, observed: { ...observed, containers: [{ ...observedOf(web), state: 'HIBERNATING' }] } };
    expect(observeReply.decode(bytes(JSON.stringify(newer)), subject)).toMatchObject({ observed: { containers: [{ state: 'UNKNOWN' }] } });
  });
});

describe('heartbeats', () => {
  /** The body an agent's Heartbeat writes on its first beat, as its lease would publish it. */
  async function firstBeat(observed?: ObservedHost): Promise<HeartbeatBody & { instance: string }> {
    let body: HeartbeatBody | undefined;
    const lease = { claim: async (b: HeartbeatBody) => void (body = b) } as unknown as HostLease;
    const beat = new Heartbeat({ lease, host: 'local', lxcpath: '/var/lib/lxc', version: '1.2.3', observe: async () => observed!, log: () => {}, refused: () => undefined, fatal: () => {} });
    if (observed) beat.remember(observed);
    await beat.claim();
    return { ...body!, instance: 'abc123' };
  }

  it('carry what an agent writes, with and without its last observation', async () => {
    const subject = '$KV.locker_agents.local';
    for (const observed of [undefined, host('local', [observedOf(web)], forwardsOf(web))]) {
      const hb = await firstBeat(observed);
      expect(heartbeatMessage.decode(bytes(heartbeatMessage.encode(hb)), subject)).toEqual(hb);
    }
  });

  it('keep a beat whose observation this version cannot read, without the observation', () => {
    const text = JSON.stringify({ host: 'local', lxcpath: '/x', pid: 7, version: '0.1', at: 'now', observed: { host: 'local', containers: 'old format' } });
    expect(heartbeatMessage.decode(bytes(text), '$KV.locker_agents.local')).toEqual({ host: 'local', lxcpath: '/x', pid: 7, version: '0.1', at: 'now' });
  });

  it('refuse one without a pid, naming the key', () => {
    const text = JSON.stringify({ host: 'local', lxcpath: '/x', version: '1', at: 'now' });
    expect(thrown(() => heartbeatMessage.decode(bytes(text), '$KV.locker_agents.local')).message).toBe(
      'heartbeat on $KV.locker_agents.local is not readable: pid: Invalid input: expected number, received undefined',
    );
  });
});
