// An append whose acknowledgement was lost (the server the client talked to died after the stream stored
// it) is sent again by the client with the same message id. A single server answers the resend as a
// duplicate; a cluster (nats-server 2.9) checks an expected last subject sequence above 0 before the message
// id, and refuses the resend as a conflict. Either way the event is stored once and the sequence stays
// gapless: the store recognises its own message behind the conflict instead of stamping the event again
// (seen in fault-nats-cluster: the event was stamped again as the next seq under its old id, the server took
// that for a duplicate of the first copy, and the seq was lost).
//
// The lost acknowledgement is reproduced exactly: the message the store is about to publish (the same
// bytes, the same id, the same expected sequence) is published first, as its first attempt would have been.

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJetStreamEventStore, stampEvents, type NewEvent } from '../../src/events/index.js';
import { connectNats, ensureNatsResources, eventSubject } from '../../src/nats/index.js';
import { EVENTS_STREAM } from '../../src/nats/names.js';
import { cleanUp } from '../helpers/clean-up.js';
import { startNatsServers } from '../helpers/nats-cluster.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/wait-until.js';

const NOW = new Date('2026-11-30T01:00:00.000Z');

for (const count of [1, 3]) {
  describe(`a publish sent again after its acknowledgement was lost (${count === 1 ? 'one server' : 'a 3-node cluster'})`, () => {
    let work = '';
    let servers: NatsServer[] = [];
    let nc: NatsConnection | undefined;
    let projects = 0;

    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), 'locker-resend-'));
      const started = await startNatsServers(['solo'], work, count);
      servers = started.servers;
      nc = await connectNats({ url: started.url, credsFile: started.controlCreds, name: 'test resend' });
      // Explicit replicas (`auto` counts the servers the client has heard of), once the cluster has formed.
      let refusal: unknown;
      const replicas = await until('the cluster to place 3 replicas', () =>
        ensureNatsResources(nc!, [], { replicas: count }).catch((e: unknown) => void (refusal = e)),
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${String(refusal)}`);
      });
      expect(replicas[EVENTS_STREAM]).toBe(count);
    }, 60_000);

    afterAll(() =>
      cleanUp([async () => nc?.close(), ...servers.map((s) => () => s.stop()), async () => work && rmSync(work, { recursive: true, force: true })]),
    );

    const event = (project: string, tag: string): NewEvent => ({
      project,
      type: 'plan.created',
      planId: `plan-${tag}`,
      data: { mode: 'up', actions: 1, specDigest: tag },
    });

    /**
     * Stores `e` as the store's first attempt of message `id` would have (the same bytes and headers), after the
     * subject's message at stream sequence `expectLast`; returns its stream sequence.
     */
    async function firstAttempt(e: NewEvent, seq: number, id: string, expectLast: number): Promise<number> {
      const [stamped] = stampEvents([e], seq - 1, NOW.toISOString());
      const ack = await jetstream(nc!).publish(eventSubject(e.project), JSON.stringify(stamped), {
        msgID: id,
        expect: { lastSubjectSequence: expectLast, streamName: EVENTS_STREAM },
      });
      expect(ack.duplicate).toBe(false);
      return ack.seq;
    }

    async function storedIds(project: string): Promise<string[]> {
      const jsm = await jetstreamManager(nc!);
      const ids: string[] = [];
      const last = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq;
      for (let seq = 1; seq <= last; seq++) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
        if (m?.subject === eventSubject(project)) ids.push(m.header?.get('Nats-Msg-Id') ?? '');
      }
      return ids;
    }

    /** A store whose first event is stored (a cluster checks an expected sequence of 0 differently), and where. */
    async function openWithOne(project: string, writer: string) {
      const store = await openJetStreamEventStore(nc!, project, { now: () => NOW, writerId: writer });
      const [first] = await store.append([event(project, 'first')]);
      expect(first!.seq).toBe(1);
      const jsm = await jetstreamManager(nc!);
      const tail = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(project) });
      return { store, streamSeq: tail!.seq };
    }

    it('stores the event once and goes on gapless', async () => {
      const project = `resend${count}a${++projects}`;
      const WRITER = `writer-${project}`; // message ids are deduplicated across the stream
      const { store, streamSeq } = await openWithOne(project, WRITER);
      try {
        await firstAttempt(event(project, 'a'), 2, `${WRITER}.2`, streamSeq);
        const appended = await store.append([event(project, 'a'), event(project, 'b')]);
        expect(appended.map((e) => [e.seq, e.type === 'plan.created' && e.planId])).toEqual([[2, 'plan-a'], [3, 'plan-b']]);
        const read = await store.readAll();
        expect(read.map((e) => [e.seq, e.type === 'plan.created' && e.planId])).toEqual([[1, 'plan-first'], [2, 'plan-a'], [3, 'plan-b']]);
        expect(await storedIds(project)).toEqual([`${WRITER}.1`, `${WRITER}.2`, expect.stringMatching(`^${WRITER}\\.[0-9]+$`)]);
      } finally {
        await store.close();
      }
    });

    it('also when another writer appended after the lost acknowledgement', async () => {
      const project = `resend${count}b${++projects}`;
      const WRITER = `writer-${project}`;
      const { store, streamSeq } = await openWithOne(project, WRITER);
      try {
        const mine = await firstAttempt(event(project, 'a'), 2, `${WRITER}.2`, streamSeq);
        await firstAttempt(event(project, 'other'), 3, `other-${project}.1`, mine);
        const [a] = await store.append([event(project, 'a')]);
        expect(a).toMatchObject({ seq: 2, planId: 'plan-a' });
        const [b] = await store.append([event(project, 'b')]);
        expect(b).toMatchObject({ seq: 4, planId: 'plan-b' });
        expect((await store.readAll()).map((e) => e.type === 'plan.created' && e.planId)).toEqual(['plan-first', 'plan-a', 'plan-other', 'plan-b']);
        expect(await storedIds(project)).toEqual([`${WRITER}.1`, `${WRITER}.2`, `other-${project}.1`, expect.stringMatching(`^${WRITER}\\.[0-9]+$`)]);
      } finally {
        await store.close();
      }
    });
  });
}
