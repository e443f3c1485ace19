// `locker hosts`: the agents that ever reported to this NATS server, with their last heartbeat and up/down.

import { LockerError } from '../../errors.js';
import type { CliArgs } from '../args.js';
import { formatDuration, formatTable, printJson, type Io } from '../output.js';

export async function hostsCommand(cli: CliArgs, io: Io): Promise<number> {
  const url = cli.options.nats;
  if (url === undefined) {
    throw new LockerError('USAGE', 'hosts needs --nats URL (or LOCKER_NATS_URL)', {
      hint: 'in embedded mode there is one host, this one: `locker status` shows it',
    });
  }
  const { connectNats, ensureNatsResources, listAgents, refusalOf, whileElecting } = await import('../../nats/index.js');
  const nc = await connectNats({ url, credsFile: cli.options.creds, name: 'locker-control hosts' });
  try {
    await ensureNatsResources(nc, [], { replicas: cli.options.natsReplicas });
    const agents = await whileElecting('reading the agents bucket', () => listAgents(nc));
    if (cli.options.json) {
      printJson(io, agents.map(({ observed: _observed, ...a }) => a));
      return 0;
    }
    if (agents.length === 0) {
      io.out('No agent has reported yet. Start one on each host: locker agent --host NAME --nats URL');
      return 0;
    }
    io.out(
      formatTable(
        ['HOST', 'STATE', 'LAST HEARTBEAT', 'MACHINE', 'LXCPATH', 'PID', 'VERSION'],
        agents.map((a) => [a.host, a.up ? 'up' : 'down', `${formatDuration(a.ageMs)} ago`, a.machine ?? '-', a.lxcpath, String(a.pid), a.version]),
      ),
    );
    return 0;
  } catch (e) {
    throw refusalOf(nc, e) ?? e;
  } finally {
    await nc.close();
  }
}
