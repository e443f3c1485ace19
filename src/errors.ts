// Locker's one error type: a stable code, a one-line message, an optional hint and location.
// It must survive JSON (it crosses process and NATS boundaries), so it holds plain data only.

export const ERROR_CODES = [
  'SPEC_NOT_FOUND',
  'SPEC_INVALID',
  'PLAN_CYCLE',
  'PLAN_INVALID',
  'PLAN_STALE',
  'LOCK_HELD',
  'AGENT_OFFLINE',
  /** Another agent already serves this host name or lxcpath. */
  'AGENT_DUPLICATE',
  /** The NATS server refused the user (no or wrong credentials), or refused it a subject. */
  'NATS_AUTH',
  /** A message between the control point and an agent that the wire protocol does not allow. */
  'MESSAGE_INVALID',
  'LXC_COMMAND_FAILED',
  'NET_COMMAND_FAILED',
  'HOST_PRECONDITION',
  /** A provision command (the user's own code, inside the container) failed: the spec or the container needs a fix. */
  'PROVISION_FAILED',
  /** `locker exec`: no such container in the spec, or not on its host. */
  'CONTAINER_NOT_FOUND',
  /** `locker exec`: the container exists but is not running (stopped, frozen). */
  'CONTAINER_NOT_RUNNING',
  /** A host port the spec wants is already forwarded by someone else (another project): the host, not the spec, is in the way. */
  'PORT_IN_USE',
  'EVENT_LOG_CORRUPT',
  'RUN_NOT_FOUND',
  'CONFIRMATION_REQUIRED',
  'USAGE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: string): value is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(value);
}

/** Where in a spec file an error points. `path` is the spec path, e.g. `containers.web.ports[1]`. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
  path?: string;
}

export interface LockerErrorJSON {
  name: 'LockerError';
  code: ErrorCode;
  message: string;
  hint?: string;
  location?: SourceLocation;
  retryable: boolean;
  detail?: string;
  cause?: LockerErrorJSON | { name: string; message: string };
}

export interface LockerErrorOptions {
  hint?: string;
  location?: SourceLocation;
  retryable?: boolean;
  /** Long form: the command, exit code, stderr. Shown with --debug and in `show RUN`. */
  detail?: string;
  cause?: unknown;
}

export class LockerError extends Error {
  override readonly name = 'LockerError';
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly retryable: boolean;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: LockerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.retryable = options.retryable ?? false;
    this.detail = options.detail;
  }

  /** `locker.yml:3:5: message` when there is a location, the message alone otherwise. */
  get located(): string {
    const l = this.location;
    return l ? `${l.file}:${l.line}:${l.col}: ${this.message}` : this.message;
  }

  toJSON(): LockerErrorJSON {
    const json: LockerErrorJSON = {
      name: 'LockerError',
      code: this.code,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.hint !== undefined) json.hint = this.hint;
    if (this.location !== undefined) json.location = this.location;
    if (this.detail !== undefined) json.detail = this.detail;
    if (this.cause instanceof LockerError) json.cause = this.cause.toJSON();
    else if (this.cause instanceof Error) json.cause = { name: this.cause.name, message: this.cause.message };
    return json;
  }

  static fromJSON(json: LockerErrorJSON): LockerError {
    const cause =
      json.cause && json.cause.name === 'LockerError'
        ? LockerError.fromJSON(json.cause as LockerErrorJSON)
        : json.cause
          ? Object.assign(new Error(json.cause.message), { name: json.cause.name })
          : undefined;
    return new LockerError(json.code, json.message, {
      hint: json.hint,
      location: json.location,
      retryable: json.retryable,
      detail: json.detail,
      cause,
    });
  }
}

export function isLockerError(e: unknown): e is LockerError {
  return e instanceof LockerError;
}

/** Any thrown value as a LockerError; unknown errors become INTERNAL and keep their cause. */
export function toLockerError(e: unknown): LockerError {
  if (e instanceof LockerError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const refused = natsRefusal(e);
  if (refused !== undefined) {
    // Not a bug in Locker: a user without the right credentials. Callers that know the credentials
    // file say which one (src/nats/auth.ts); this is the fallback for any other place.
    return new LockerError('NATS_AUTH', `the NATS server refused: ${message}`, {
      hint:
        refused === 'permission'
          ? 'the NATS user of --creds (LOCKER_NATS_CREDS) may not do this: the control point needs control.creds, an agent its agent-HOST.creds, both written by `locker nats-config`'
          : 'check --creds (LOCKER_NATS_CREDS): a credentials file written by `locker nats-config` for this server',
      cause: e,
    });
  }
  return new LockerError('INTERNAL', message, { cause: e });
}

/**
 * nats.js's refusals, recognised by name (this module imports no NATS code): a permissions
 * violation (a subject the user may not use) or an authorization violation (the user itself).
 * nats.js often wraps them in a RequestError, so the causes are looked at too.
 */
export function natsRefusal(e: unknown): 'permission' | 'authorization' | undefined {
  for (let cause = e, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause.name === 'PermissionViolationError' || /^permissions violation/i.test(cause.message)) return 'permission';
    if (cause.name === 'AuthorizationError' || /^authorization violation/i.test(cause.message)) return 'authorization';
  }
  return undefined;
}
