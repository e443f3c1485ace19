// What the NATS server's refusals mean for the user of a credentials file: NATS_AUTH, never retryable,
// naming the file and the user, with a hint for the role that connected.

import { AuthorizationError, PermissionViolationError, RequestError } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { natsRefusal, toLockerError } from '../../src/errors.js';
import { assertCredentialsFit, natsAuthError, unrestrictedWarning, userRole, type NatsRole } from '../../src/nats/auth.js';
import { thrown } from '../helpers/errors.js';

const URL = 'nats://10.0.0.1:4222';
const control: NatsRole = { kind: 'control' };
const web1: NatsRole = { kind: 'agent', host: 'web1' };
const as = (user: string, file = `/etc/locker/${user}.creds`) => ({ url: URL, credsFile: file, user });
const permission = () =>
  new RequestError('Permissions Violation for Subscription to "_INBOX.x.*"', {
    cause: PermissionViolationError.parse('Permissions Violation for Subscription to "_INBOX.x.*"')!,
  });

describe('userRole', () => {
  it.each([
    ['control', { kind: 'control' }],
    ['agent-web1', { kind: 'agent', host: 'web1' }],
    ['agent-db.eu-1', { kind: 'agent', host: 'db.eu-1' }],
    ['alice', { kind: 'other' }],
  ])('%s', (user, role) => {
    expect(userRole(user)).toEqual(role);
  });
});

describe('natsRefusal', () => {
  it.each([
    ['a permissions violation wrapped in a request error', permission(), 'permission'],
    ['an authorization violation', new AuthorizationError('Authorization Violation'), 'authorization'],
    ['a timeout', new Error('timeout'), undefined],
  ])('%s', (_name, error, refusal) => {
    expect(natsRefusal(error)).toBe(refusal);
  });

  it('makes toLockerError give NATS_AUTH, not INTERNAL, for a refusal nobody mapped', () => {
    expect(toLockerError(permission())).toMatchObject({ code: 'NATS_AUTH', retryable: false });
  });
});

describe('assertCredentialsFit and unrestrictedWarning', () => {
  it("refuses another host's file for an agent, naming the file, its user and its host", () => {
    const error = thrown(() => assertCredentialsFit(as('agent-web2'), web1));
    expect(error).toMatchObject({ code: 'NATS_AUTH', retryable: false });
    expect(error.message).toBe('credentials /etc/locker/agent-web2.creds hold user agent-web2, the agent of host web2, not of host web1');
    expect(error.hint).toMatch(/^start this agent with agent-web1\.creds/);
  });

  it.each([
    ['its own file', as('agent-web1'), web1],
    ['no file', { url: URL }, web1],
    ["a user Locker did not name", as('alice'), web1],
    ["an agent's file for the control point (the server decides)", as('agent-web1'), control],
  ])('lets %s through', (_name, identity, role) => {
    expect(() => assertCredentialsFit(identity, role)).not.toThrow();
  });

  it("warns an agent given the control point's file, and no one else", () => {
    expect(unrestrictedWarning(as('control'), web1)).toMatch(/hold user control, the control point's user: .* not confined to host web1's subjects/);
    expect(unrestrictedWarning(as('control'), control)).toBeUndefined();
    expect(unrestrictedWarning(as('agent-web1'), web1)).toBeUndefined();
  });
});

describe('natsAuthError', () => {
  it('no credentials against a server that requires them', () => {
    const error = natsAuthError(new AuthorizationError('Authorization Violation'), { url: URL }, control);
    expect(error).toMatchObject({ code: 'NATS_AUTH', retryable: false });
    expect(error?.message).toBe(`the NATS server at ${URL} requires a user, and no credentials were given (Authorization Violation)`);
    expect(error?.hint).toMatch(/^pass --creds FILE .*control\.creds/);
  });

  it('a password the server does not know', () => {
    const error = natsAuthError(new AuthorizationError('Authorization Violation'), as('control', '/tmp/c.creds'), control);
    expect(error?.message).toBe(`the NATS server at ${URL} refused user control from /tmp/c.creds (the control point's user): Authorization Violation`);
    expect(error?.hint).toMatch(/^the password in \/tmp\/c\.creds/);
  });

  it.each([
    ["the control point with an agent's file", as('agent-web1'), control, /is an agent's file: the control point needs control\.creds/],
    ["an agent with another host's file", as('agent-web2'), web1, /belongs to host web2: the agent of host web1 needs agent-web1\.creds/],
    ['an agent with its own file on an older configuration', as('agent-web1'), web1, /older than this locker/],
    ['a hand-written user', as('alice'), control, /a hand-written configuration must give its users/],
  ])('%s', (_name, identity, role, hint) => {
    const error = natsAuthError(permission(), identity, role);
    expect(error).toMatchObject({ code: 'NATS_AUTH', retryable: false });
    expect(error?.message).toContain(`user ${identity.user} from ${identity.credsFile}`);
    expect(error?.hint).toMatch(hint);
  });

  it('leaves other errors alone', () => {
    expect(natsAuthError(new Error('timeout'), as('control'), control)).toBeUndefined();
  });
});
