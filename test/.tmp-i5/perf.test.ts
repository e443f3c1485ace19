import { it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
it('perf', () => {
  for (const n of [1000, 5000, 10000]) {
    let text = ''; for (let i = 0; i < n; i++) text += `c${i}:\n  template: busybox\n  ports: ["${(i % 60000) + 1}:80"]\n  volumes: ["/srv/x/$name:/data"]\n`;
    const t = Date.now();
    try { loadSpec({ text, file: 'locker.yml', project: 'p', specDir: '/srv' }); } catch (e) { console.log((e as Error).message); }
    console.log(n, text.length, Date.now() - t, 'ms');
  }
}, 300000);
