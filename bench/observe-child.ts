// Observes one lxcpath with the real LocalAgent, ROUNDS times, and prints the wall times as JSON.
// Run under strace with ROUNDS = 1 to count the processes one observation starts.

import { LocalAgent } from '../agents/local-agent.js';
import { nowMs } from './stats.js';

const lxcpath = process.argv[2]!;
const rounds = Number(process.argv[3] ?? '1');
const agent = new LocalAgent({ host: 'bench', lxcpath });
const times: number[] = [];
let containers = 0;
for (let i = 0; i < rounds; i++) {
  const t = nowMs();
  const observed = await agent.observe();
  times.push(nowMs() - t);
  containers = observed.containers.length;
}
process.stdout.write(`${JSON.stringify({ containers, times })}\n`);
