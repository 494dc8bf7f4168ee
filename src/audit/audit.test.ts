import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { expectProblem } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { transaction } from '../db/database.ts';
import type { Actor } from '../roles/policy.ts';
import { recordAudit, recordAuditWithIds } from './audit.service.ts';

interface Event {
  id: string;
  at: string;
  action: string;
  actor: { type: string; id: string; label: string };
  target: { type: string; id: string; label: string } | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { ip: string; userAgent: string };
}
interface Page {
  items: Event[];
  nextCursor: string | null;
  total: { total: number; exact: boolean } | null;
}

describe('audit log', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test('records before/after, actor, time and source of a change', async () => {
    const admin = await instance.signIn();
    await admin.request('PATCH', '/api/v1/organization', {
      body: { name: 'Audited Org' },
      headers: { 'user-agent': 'audit-test/1.0' },
    });
    const page = await admin.get<Page>('/api/v1/audit-events?action=organization.update');
    const event = page.body.items[0];
    assert.ok(event);
    assert.deepEqual(event.before, {
      name: 'Example Org',
      defaultLocale: 'en',
      requireMfa: false,
      ssoOnly: false,
      breakGlassUserId: null,
      deviceDownloadLinks: {},
    });
    assert.deepEqual(event.after, {
      name: 'Audited Org',
      defaultLocale: 'en',
      requireMfa: false,
      ssoOnly: false,
      breakGlassUserId: null,
      deviceDownloadLinks: {},
    });
    assert.equal(event.actor.label, instance.admin.email);
    assert.equal(event.actor.type, 'user');
    assert.deepEqual(event.source, { ip: '127.0.0.1', userAgent: 'audit-test/1.0' });
    assert.ok(Math.abs(Date.parse(event.at) - Date.now()) < 60_000);
    assert.equal(event.target?.label, 'Audited Org');
  });

  test('an audit write rolls back with the change it records', async () => {
    const actor: Actor = {
      type: 'system',
      id: 'system',
      label: 'test',
      organizationId: instance.organizationId,
      grants: [],
      sourceIp: null,
      userAgent: null,
    };
    await assert.rejects(
      transaction(instance.app.ctx.db, async (trx) => {
        await trx
          .updateTable('organizations')
          .set({ name: 'Half applied' })
          .where('id', '=', instance.organizationId)
          .execute();
        await recordAudit(trx, actor, { action: 'test.rollback', target: null });
        throw new Error('crash in the middle');
      }),
      /crash in the middle/,
    );
    const rows = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'test.rollback')
      .execute();
    assert.equal(rows.length, 0);
    const org = await instance.app.ctx.db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', instance.organizationId)
      .executeTakeFirstOrThrow();
    assert.notEqual(org.name, 'Half applied');
  });

  test('ids too many for one event are recorded in parts, none left out', async () => {
    const actor: Actor = {
      type: 'system',
      id: 'system',
      label: 'test',
      organizationId: instance.organizationId,
      grants: [],
      sourceIp: '192.0.2.1',
      userAgent: 'parts-test',
    };
    const ids = Array.from({ length: 7 }, (_, index) => `00000000-0000-4000-8000-00000000000${index}`);
    const target = { type: 'group', id: 'parts-target', label: 'Parts' };
    await transaction(instance.app.ctx.db, async (trx) => {
      await recordAuditWithIds(
        trx,
        actor,
        { action: 'test.parts_process', target, after: { added: 7 } },
        { side: 'after', key: 'userIds', values: ids },
        3,
      );
    });
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after', 'source_ip', 'target_id'])
      .where('action', 'like', 'test.parts%')
      .orderBy('id')
      .execute();
    const chunks = [ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)];
    assert.deepEqual(
      events.map((event) => [event.action, event.before ?? event.after]),
      [
        ...chunks.map((chunk, index) => [
          'test.parts_process',
          { added: 7, userIds: chunk, part: index + 1, parts: 3 },
        ]),
      ],
    );
    assert.ok(events.every((event) => event.source_ip === '192.0.2.1' && event.target_id === 'parts-target'));
  });

  test('pages with a cursor, newest first, without gaps or repeats', async () => {
    const admin = await instance.signIn();
    for (let index = 0; index < 7; index++) {
      await admin.patch('/api/v1/me', { locale: index % 2 ? 'pl' : 'cs' });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/audit-events?action=user.preferences_update&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { body: Page } = await admin.get<Page>(query);
      seen.push(...page.body.items.map((event) => event.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
    // The first page counts the events of the filter; the next ones do not count again.
    const firstPage = await admin.get<Page>('/api/v1/audit-events?action=user.preferences_update&limit=3');
    assert.deepEqual(firstPage.body.total, { total: 7, exact: true });
    const nextPage = await admin.get<Page>(`/api/v1/audit-events?cursor=${firstPage.body.nextCursor}`);
    assert.equal(nextPage.status, 200, nextPage.text);
    assert.equal(nextPage.body.total, null);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => Number(b) - Number(a)),
    );
    expectProblem(await admin.get('/api/v1/audit-events?cursor=garbage'), 400, 'request.validation_failed');
    expectProblem(await admin.get('/api/v1/audit-events?limit=100000'), 400, 'request.validation_failed');

    // Oldest first: the same events the other way round; a cursor of one order is refused by the other.
    const oldest: string[] = [];
    const cursors: string[] = [];
    cursor = null;
    do {
      const query: string = `/api/v1/audit-events?action=user.preferences_update&sort=at&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { status: number; text: string; body: Page } = await admin.get<Page>(query);
      assert.equal(page.status, 200, page.text);
      oldest.push(...page.body.items.map((event) => event.id));
      cursor = page.body.nextCursor;
      if (cursor) {
        cursors.push(cursor);
      }
    } while (cursor);
    assert.deepEqual(oldest, [...seen].reverse());
    const first = await admin.get<Page>('/api/v1/audit-events?action=user.preferences_update&limit=3');
    expectProblem(
      await admin.get(`/api/v1/audit-events?sort=at&cursor=${first.body.nextCursor}`),
      400,
      'request.validation_failed',
    );
    expectProblem(
      await admin.get(`/api/v1/audit-events?sort=-at&cursor=${cursors[0]}`),
      400,
      'request.validation_failed',
    );
    expectProblem(await admin.get('/api/v1/audit-events?sort=actor'), 400, 'request.validation_failed');
  });

  test('filters by action prefix, actor, target and time', async () => {
    const admin = await instance.signIn();
    const token = await admin.post<{ id: string }>('/api/v1/api-tokens', {
      name: 'Filter probe',
      role: 'support-admin',
    });
    const all = await admin.get<Page>('/api/v1/audit-events?limit=500');
    const byPrefix = await admin.get<Page>('/api/v1/audit-events?action=auth.*&limit=500');
    assert.ok(byPrefix.body.items.length > 0);
    assert.ok(byPrefix.body.items.every((event) => event.action.startsWith('auth.')));
    assert.equal(byPrefix.body.items.length, all.body.items.filter((event) => event.action.startsWith('auth.')).length);
    const byActor = await admin.get<Page>(
      `/api/v1/audit-events?actor=${encodeURIComponent(instance.admin.email.slice(0, 10))}&limit=500`,
    );
    assert.ok(
      byActor.body.items.length > 0 && byActor.body.items.every((event) => event.actor.label === instance.admin.email),
    );
    const byTarget = await admin.get<Page>('/api/v1/audit-events?target=Filter%20probe');
    assert.deepEqual(
      byTarget.body.items.map((event) => event.target?.id),
      [token.body.id],
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual(
      (await admin.get<Page>(`/api/v1/audit-events?since=${encodeURIComponent(future)}`)).body.items,
      [],
    );
    const past = new Date(Date.now() - 3_600_000).toISOString();
    assert.deepEqual((await admin.get<Page>(`/api/v1/audit-events?until=${encodeURIComponent(past)}`)).body.items, []);
    expectProblem(await admin.get('/api/v1/audit-events?since=yesterday'), 400, 'request.validation_failed');
    const literal = await admin.get<Page>('/api/v1/audit-events?target=%25');
    assert.deepEqual(literal.body.items, [], '% is matched literally, not as a wildcard');
  });

  test('exports CSV with the same filters and guards formula cells', async () => {
    const admin = await instance.signIn();
    await admin.post('/api/v1/api-tokens', { name: '=HYPERLINK("http://evil.example","x")', role: 'support-admin' });
    const csv = await admin.get('/api/v1/audit-events.csv?action=api_token.');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="audit-log-/);
    const records: string[][] = parse(csv.text, { bom: true });
    assert.deepEqual(records[0]?.slice(0, 6), ['ID', 'Time', 'Actor Type', 'Actor ID', 'Actor', 'Action']);
    assert.ok(records.slice(1).every((record) => record[5]?.startsWith('api_token.')));
    const evil = records.find((record) => record[8]?.includes('HYPERLINK'));
    assert.ok(evil);
    assert.equal(evil[8], `'=HYPERLINK("http://evil.example","x")`);
  });
});
