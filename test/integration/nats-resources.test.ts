// The control point prepares a real nats-server: streams, per-host consumers and buckets, idempotently.
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/nats/connect.js';
import { ensureNatsResources } from '../../src/nats/ensure-resources.js';
import { JOBS_STREAM, jobConsumer, jobSubject } from '../../src/nats/names.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('ensureNatsResources', () => {
  it('creates a work-queue stream with one consumer per host, and is idempotent', async () => {
    const nc = await connectNats({ url: server.url, name: 'test' });
    try {
      await ensureNatsResources(nc, ['alpha', 'beta']);
      await ensureNatsResources(nc, ['alpha', 'beta', 'gamma']);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(JOBS_STREAM);
      expect(info.config.retention).toBe('workqueue');
      const consumers = [];
      for await (const c of jsm.consumers.list(JOBS_STREAM)) consumers.push([c.name, c.config.filter_subject]);
      expect(consumers.sort()).toEqual([
        [jobConsumer('alpha'), jobSubject('alpha')],
        [jobConsumer('beta'), jobSubject('beta')],
        [jobConsumer('gamma'), jobSubject('gamma')],
      ]);
    } finally {
      await nc.close();
    }
  });
});
