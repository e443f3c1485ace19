// `locker agent --host NAME --nats URL [-P LXCPATH] [--creds FILE]`: serves one host until SIGTERM/SIGINT.
// Logs go to stderr, one line per job; a first signal stops gracefully (exit 0), a second exits at once.

import { LockerError } from '../../errors.js';
import { assertHostName } from '../../nats/nats-config.js';
import type { CliArgs } from '../args.js';
import { VERSION } from '../help.js';
import type { Io } from '../output.js';
import type { RunningNatsAgent } from '../../../agents/index.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const SIGNAL_NUMBER = { SIGINT: 2, SIGTERM: 15 } as const;

export async function agentCommand(cli: CliArgs, io: Io): Promise<number> {
  const { host, nats, creds } = cli.options;
  if (host === undefined) {
    throw new LockerError('USAGE', 'agent needs --host NAME', { hint: 'the name containers give in `host:` in locker.yml' });
  }
  assertHostName(host);
  if (nats === undefined) {
    throw new LockerError('USAGE', 'agent needs --nats URL (or LOCKER_NATS_URL)', {
      hint: 'the NATS server with JetStream that the control point uses, e.g. nats://10.0.0.1:4222',
    });
  }
  const { startNatsAgent, defaultLxcPath } = await import('../../../agents/index.js');
  const lxcpath = cli.options.lxcpath ?? (await defaultLxcPath());

  let agent: RunningNatsAgent | undefined;
  let signalled = false;
  const onSignal = (signal: (typeof SIGNALS)[number]) => {
    // Still waiting for the server (or a second signal): nothing in hand is lost, queued jobs wait.
    if (signalled || agent === undefined) {
      io.err(`${signal}: exiting now${agent ? ' (jobs in hand will be redelivered)' : ''}`);
      process.exit(agent ? 128 + SIGNAL_NUMBER[signal] : 0);
    }
    signalled = true;
    io.err(`${signal}: stopping (send it again to exit at once)`);
    void agent.stop();
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    agent = await startNatsAgent({ host, url: nats, credsFile: creds, lxcpath, version: VERSION, log: (line) => io.err(line) });
    await agent.done;
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    // A job handed back after the grace period may still have a child process keeping Node alive: do not wait
    // for it. The exit code is the command's (1 when the agent stopped on an error), set by then.
    setTimeout(() => process.exit(), 1_000).unref();
  }
  return 0;
}
