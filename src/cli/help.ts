// The usage text: the CLI contract in one screen.

export const VERSION = '0.1.0';

export const HELP = `locker ${VERSION}: run groups of LXC containers from one YAML file (plan, review, apply).

Usage: locker [COMMAND] [-f FILE] [-p PROJECT] [-P LXCPATH] [--json] [--yes] [--parallelism N] [--lock-timeout S] [-t SECONDS] [CONTAINER...]

Commands:
  validate            check the spec and exit (0 valid, 1 error)
  plan [-o FILE]      show what would change (exit 0: nothing, 2: changes, 1: error); -o saves the plan
  apply FILE          apply exactly a saved plan; refused as stale if the spec or a host changed since
  up                  plan and apply: create, configure, start and forward everything in the spec
  down                remove forwards, stop and destroy the project's containers (host data is kept)
  status              table of containers: name, host, state, IPv4, fqdn, ports
  create | start | stop | restart | rm | ports | rmports | freeze | unfreeze
                      a plan limited to what the command means, applied like up
  exec CONTAINER [--] COMMAND...
                      run a command inside a running container; exits with its status
  runs                the project's runs and their outcome (from the event log)
  show RUN            the steps of one run: state, attempts, duration, error
  retry [RUN]         re-run what failed, was skipped or never finished (default: latest such run)
  resume [RUN]        finish a run whose control point died (default: latest unfinished run)
  unlock              release the project lock by hand, after confirmation (recorded in the event log)
  agent --host NAME --nats URL [--creds FILE]
                      run the agent of one host (many hosts over NATS)
  hosts               with --nats: agents, last heartbeat, up/down
  nats-config --host A,B [-o DIR] [--nats URL] [--store DIR]
                      write a nats-server config with one user per agent;
                      --cluster: one per server of a cluster (--nats URL1,URL2,URL3)
  help [COMMAND]      this help, or one command's (also: locker COMMAND --help)

Options:
  -f, --file FILE     spec file (default: locker.yml, then locker.yaml, in the current folder)
  -p, --project NAME  project name (default: the spec folder's name; env LOCKER_PROJECT)
  -P, --lxcpath DIR   where containers live (default: LXC's own; env LOCKER_LXCPATH)
      --json          machine-readable output
  -y, --yes           do not ask for confirmation (required when stdin is not a terminal)
      --parallelism N independent steps run at once (default 4; stops are not counted: they all run at once)
      --lock-timeout S  wait up to S seconds for the project lock a running command holds (default 15; 0: fail at once)
  -t, --timeout SECONDS  down, stop, rm, restart: kill what has not stopped cleanly after SECONDS (0: at once)
      --no-move       on first creation, do not copy the container's files into empty host folders
      --reprovision   up, plan: run every container's provision commands again, even where they ran
  -o, --out FILE      with plan: save the plan to FILE
      --debug         show stack traces and full command output on errors
      --nats URL      drive hosts through their agents (env LOCKER_NATS_URL); a cluster: URL1,URL2,URL3
      --nats-replicas N  copies of Locker's streams: auto (3 on a cluster of 3+) or 1-5 (env LOCKER_NATS_REPLICAS)
      --creds FILE    NATS credentials from nats-config (env LOCKER_NATS_CREDS)

Exit codes: 0 success (plan: no changes), 1 error or failed run, 2 plan has changes.`;
