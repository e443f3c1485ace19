// The `locker` command: parses the contract, runs one command, maps the outcome to an exit code.
// It never prints a stack trace unless --debug (or the error is an internal bug).

import { parseCli, type CliArgs } from './args.js';
import { helpFor } from './command-help.js';
import { VERSION } from './help.js';
import { processIo, reportError, type Io } from './output.js';

/** `locker exec`: Locker could not run the command (see commands/exec.ts; not imported, to load nothing more). */
const EXIT_EXEC_FAILED = 125;

export async function runCli(argv: string[], io: Io, cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  let cli: CliArgs | undefined;
  try {
    cli = parseCli(argv, env);
    if (cli.command === 'help') {
      io.out(helpFor(cli.rest[0]));
      return 0;
    }
    if (cli.command === 'version') {
      io.out(VERSION);
      return 0;
    }
    // Commands load what they need on demand: start-up is part of what the user waits for.
    // These three need no spec: they serve a host or the NATS server itself.
    if (cli.command === 'agent') return await (await import('./commands/agent.js')).agentCommand(cli, io);
    if (cli.command === 'nats-config') return await (await import('./commands/nats-config.js')).natsConfigCommand(cli, io);
    if (cli.command === 'hosts') return await (await import('./commands/hosts.js')).hostsCommand(cli, io);
    const { loadProjectContext } = await import('./project-context.js');
    const ctx = await loadProjectContext(cli.options, cwd, env);
    try {
      switch (cli.command) {
        case 'validate':
          return await (await import('./commands/plan-commands.js')).validateCommand(ctx, cli, io);
        case 'plan':
          return await (await import('./commands/plan-commands.js')).planCommand(ctx, cli, io);
        case 'apply':
          return await (await import('./commands/plan-commands.js')).applyCommand(ctx, cli, io);
        case 'status':
          return await (await import('./commands/status.js')).statusCommand(ctx, cli, io);
        case 'runs':
          return await (await import('./commands/history.js')).runsCommand(ctx, cli, io);
        case 'show':
          return await (await import('./commands/history.js')).showCommand(ctx, cli, io);
        case 'unlock':
          return await (await import('./commands/unlock.js')).unlockCommand(ctx, cli, io);
        case 'exec':
          return await (await import('./commands/exec.js')).execCommand(ctx, cli, io);
        case 'retry':
        case 'resume':
          return await (await import('./commands/retry.js')).continueCommand(ctx, cli, io, cli.command);
        default:
          return await (await import('./commands/plan-commands.js')).changeCommand(ctx, cli, io, cli.command);
      }
    } finally {
      await ctx.control.close();
    }
  } catch (e) {
    reportError(io, e, cli?.options.json ?? argv.includes('--json'), cli?.options.debug ?? argv.includes('--debug'));
    // exec's own statuses are the command's: Locker's failure to run it has one of its own.
    return cli?.command === 'exec' ? EXIT_EXEC_FAILED : 1;
  }
}

export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), processIo, process.cwd(), process.env);
  process.exitCode = code;
}
