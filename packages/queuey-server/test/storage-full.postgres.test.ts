/**
 * PostgreSQL's disk really full: the messages table moved to a tablespace on
 * a 1 MiB tmpfs, so inserts fail with SQLSTATE 53100 (disk_full). Writes
 * answer 507 like SQLite's SQLITE_FULL, logged once; moving the table back
 * gives the space back and the next write clears it. Needs root (to mount)
 * and the local throwaway cluster; skipped otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { KEY, send } from './support/http-fixture.js';
import { createTestSchema } from './support/postgres.js';

const local = userInfo().uid === 0 && !process.env.QDO_TEST_PG_URL;
const TABLESPACE = `full_${process.pid}`;

describe.skipIf(!local)(
  'a full disk (PostgreSQL, tablespace on a tmpfs)',
  { timeout: 60_000 },
  () => {
    let dir = '';
    let mounted = false;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'queuey-pg-full-'));
      mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
      if (mounted) execFileSync('chown', ['postgres:postgres', dir]);
    });
    afterAll(async () => {
      if (mounted) spawnSync('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    });

    it('answers 507 to writes on SQLSTATE 53100, logs it once, and clears when space returns', async (context) => {
      if (!mounted) context.skip();
      const db = await createTestSchema();
      const lines: string[] = [];
      const storage = await db.open();
      const server = await startServer({
        port: 0,
        storage,
        applications: { queuey: [KEY] },
        logger: createLogger({ format: 'json', write: (line) => lines.push(line) }),
      });
      try {
        const url = server.url;
        const created = await send(url, 'POST', '/v1/queuey', { form: { queue_name: 'jobs' } });
        expect(created.status).toBe(201);
        await db.query(`CREATE TABLESPACE ${TABLESPACE} LOCATION '${dir}'`);
        await db.query(`ALTER TABLE queuey_messages SET TABLESPACE ${TABLESPACE}`);
        const body = 'p'.repeat(1500);
        let acknowledged = 0;
        let refused = 0;
        for (let i = 0; i < 200 && refused < 10; i++) {
          const messages = Array.from({ length: 20 }, (_, n) => ({ body: `${i}.${n}:${body}` }));
          const reply = await send(url, 'POST', '/v1/queuey/jobs', { json: { messages } });
          expect([201, 507]).toContain(reply.status);
          if (reply.status === 201) acknowledged += 20;
          else {
            refused += 1;
            expect(reply.json.error_msg.storage).toMatch(/storage is full/);
          }
        }
        expect(refused).toBe(10);
        expect(acknowledged).toBeGreaterThan(0);
        const logged = lines.map((line) => JSON.parse(line) as { msg: string; reason?: string });
        const full = logged.filter((l) => /storage full/.test(l.msg));
        expect(full).toHaveLength(1);
        expect(full[0]?.reason).toMatch(/disk is full/);
        expect((await send(url, 'GET', '/__heartbeat__', { key: null })).json.storage).toBe('full');
        const read = await send(url, 'GET', '/v1/queuey/jobs', { query: { limit: 1000 } });
        expect(read.json.messages.length).toBe(Math.min(acknowledged, 1000));

        await db.query('ALTER TABLE queuey_messages SET TABLESPACE pg_default');
        expect((await send(url, 'POST', '/v1/queuey/jobs', { body: 'after' })).status).toBe(201);
        expect(lines.filter((line) => /space again/.test(line))).toHaveLength(1);
      } finally {
        await server.close();
        await storage.close();
        // The tablespace can go only once nothing lives in it.
        await db.query(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`);
        await db.query(`DROP TABLESPACE IF EXISTS ${TABLESPACE}`);
        await db.drop();
      }
    });
  },
);
