// Who a connection is on the NATS server (URL, credentials file, the user in it) and what the server's
// refusals mean for that user: one NATS_AUTH error, not retryable, naming the file and the user it holds.

import { LockerError, natsRefusal } from '../errors.js';
import { CONTROL_USER } from './nats-config.js';

/** The credentials the control point and the agents are meant to use, as `locker nats-config` names them. */
export type NatsRole = { kind: 'control' } | { kind: 'agent'; host: string };

export interface NatsIdentity {
  url: string;
  credsFile?: string;
  /** The user in the credentials file. */
  user?: string;
}

const AGENT_USER = /^agent-(.+)$/;

/** What a user written by `locker nats-config` is for; `other` for a user of a hand-written configuration. */
export function userRole(user: string): NatsRole | { kind: 'other' } {
  if (user === CONTROL_USER) return { kind: 'control' };
  const agent = AGENT_USER.exec(user);
  return agent ? { kind: 'agent', host: agent[1]! } : { kind: 'other' };
}

const roleName = (role: NatsRole) => (role.kind === 'control' ? 'the control point' : `the agent of host ${role.host}`);
const expectedFile = (role: NatsRole) => (role.kind === 'control' ? 'control.creds' : `agent-${role.host}.creds`);
/** `user agent-h01 from FILE (the user of host h01's agent)`. */
const describeUser = (user: string, file: string | undefined) => {
  const role = userRole(user);
  const label = role.kind === 'control' ? " (the control point's user)" : role.kind === 'agent' ? ` (the user of host ${role.host}'s agent)` : '';
  return `user ${user}${file === undefined ? '' : ` from ${file}`}${label}`;
};

/**
 * Credentials that cannot work for this role, known before connecting: an agent given another host's
 * file would be refused its own subjects on every call (and retry forever). Throws NATS_AUTH.
 */
export function assertCredentialsFit(identity: NatsIdentity, role: NatsRole): void {
  if (role.kind !== 'agent' || identity.user === undefined) return;
  const holder = userRole(identity.user);
  if (holder.kind !== 'agent' || holder.host === role.host) return;
  throw new LockerError(
    'NATS_AUTH',
    `credentials ${identity.credsFile} hold user ${identity.user}, the agent of host ${holder.host}, not of host ${role.host}`,
    {
      hint:
        `start this agent with ${expectedFile(role)} (written by \`locker nats-config --host ...,${role.host}\`), ` +
        `or run it as --host ${holder.host} if this machine is ${holder.host}`,
    },
  );
}

/** A warning for credentials that work but give more than the role needs (the control user for an agent). */
export function unrestrictedWarning(identity: NatsIdentity, role: NatsRole): string | undefined {
  if (role.kind !== 'agent' || identity.user === undefined || userRole(identity.user).kind !== 'control') return undefined;
  return (
    `credentials ${identity.credsFile} hold user ${identity.user}, the control point's user: it may do anything on the ` +
    `server, so this agent is not confined to host ${role.host}'s subjects; give it ${expectedFile(role)} from \`locker nats-config\``
  );
}

/**
 * The server's refusal of a connection or of a subject, as NATS_AUTH for this identity and role;
 * undefined for any other error.
 */
export function natsAuthError(e: unknown, identity: NatsIdentity, role: NatsRole): LockerError | undefined {
  const refusal = natsRefusal(e);
  if (refusal === undefined) return undefined;
  const reason = (e as Error).message;
  const file = identity.credsFile;
  const user = identity.user;
  const wanted = `${roleName(role)} needs ${expectedFile(role)}, written by \`locker nats-config\``;
  if (refusal === 'authorization') {
    if (file === undefined || user === undefined) {
      return new LockerError('NATS_AUTH', `the NATS server at ${identity.url} requires a user, and no credentials were given (${reason})`, {
        hint: `pass --creds FILE (or LOCKER_NATS_CREDS${role.kind === 'agent' ? ' in the agent\'s environment' : ''}): ${wanted}`,
        cause: e,
      });
    }
    return new LockerError('NATS_AUTH', `the NATS server at ${identity.url} refused ${describeUser(user, file)}: ${reason}`, {
      hint:
        `the password in ${file} is not the one in the server's configuration: use the files written together with its ` +
        'nats-server.conf, and after `locker nats-config` changed them, reload the server (`nats-server --signal reload`, or SIGHUP)',
      cause: e,
    });
  }
  const who = user === undefined ? 'a connection without credentials' : describeUser(user, file);
  const holder = user === undefined ? undefined : userRole(user);
  let hint: string;
  if (holder?.kind === 'agent' && role.kind === 'control') {
    hint = `${file} is an agent's file: ${wanted} (in the same folder)`;
  } else if (holder?.kind === 'agent' && role.kind === 'agent' && holder.host !== role.host) {
    hint = `${file} belongs to host ${holder.host}: ${wanted}`;
  } else if (holder?.kind === 'agent' && role.kind === 'agent') {
    hint =
      'the server\'s configuration is older than this locker: run `locker nats-config` again with the same hosts ' +
      '(it keeps the passwords) and reload the server (`nats-server --signal reload`, or SIGHUP)';
  } else {
    hint = `${wanted}; a hand-written configuration must give its users the permissions \`locker nats-config\` gives`;
  }
  return new LockerError('NATS_AUTH', `${who} may not do what ${roleName(role)} does: ${reason}`, { hint, cause: e });
}
