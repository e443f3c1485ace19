// How long a holder's lease on the project lock lasts without a refresh (NATS), and so how long a
// command waits for a lock by default: a dead holder on another machine is gone after one lease.
export const LOCK_LEASE_MS = 15_000;
