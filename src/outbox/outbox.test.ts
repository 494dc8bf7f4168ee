import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../../test/support/smtp.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import { claimDueMessages, deliverDueMessages, retryDelaySeconds } from './delivery.ts';
import { queueMessages } from './outbox.ts';

const PUBLIC_URL = 'https://usher.example.test';

interface OutboxItem {
  id: string;
  kind: string;
  to: string;
  status: string;
  retrying: boolean;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  subject: string;
  text?: string;
  html?: string;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function mailsTo(smtp: TestSmtpServer, address: string): ReceivedMail[] {
  return smtp.received.filter((mail) => mail.to.includes(address));
}

async function queue(
  ctx: AppContext,
  organizationId: string,
  to: string,
  kind: 'bulk_finished' | 'email_changed',
  data: object,
  locale = 'en',
) {
  await transaction(ctx.db, (trx) =>
    queueMessages(trx, organizationId, [{ kind, userId: null, to, locale, data: { ...data } }]),
  );
  const row = await ctx.db
    .selectFrom('outbox_messages')
    .select('id')
    .where('to_address', '=', to)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('e-mail outbox and delivery over SMTP', () => {
  let smtp: TestSmtpServer;
  let instance: TestInstance;
  let admin: Client;
  let ctx: AppContext;

  before(async () => {
    smtp = await startSmtpServer();
    instance = await startTestInstance({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Usher <usher@example.test>',
      USHER_PUBLIC_URL: PUBLIC_URL,
      USHER_OUTBOX_POLL_SECONDS: '0',
    });
    admin = await instance.signIn();
    ctx = instance.app.ctx;
  });
  after(async () => {
    await instance.close();
    await smtp.close();
  });

  test('instructions and welcome e-mails arrive with both parts, the link, and user text escaped in HTML', async () => {
    const product = await admin.post<{ id: string }>('/api/v1/products', {
      name: 'Endpoint Security',
      licenseQuantity: 5,
    });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Endpoint Default' });
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: 'anna@example.org', firstName: '<b>Anna</b> & "Co"', profiles: ['Endpoint Default'] }],
      sendInstructions: true,
    });
    assert.equal(added.status, 201, added.text);
    const report = await deliverDueMessages(ctx);
    assert.equal(report.sent, 2);
    const mails = mailsTo(smtp, 'anna@example.org');
    assert.equal(mails.length, 2);
    for (const mail of mails) {
      assert.equal(mail.from, 'usher@example.test');
      assert.deepEqual(mail.to, ['anna@example.org']);
      assert.match(mail.text, /Hello <b>Anna<\/b> & "Co",/, 'the text part is plain');
      assert.ok(mail.html.includes('Hello &lt;b&gt;Anna&lt;/b&gt; &amp; &quot;Co&quot;,'), mail.html);
      assert.ok(!mail.html.includes('<b>Anna'), 'no user text unescaped in HTML');
    }
    const instructions = mails.find((mail) => mail.subject.startsWith('Install the security application'));
    assert.ok(instructions, mails.map((mail) => mail.subject).join(' | '));
    assert.equal(instructions.subject, 'Install the security application on your devices (Example Org)');
    const link = /https:\/\/usher\.example\.test\/connect\/([A-Za-z0-9_-]{43})/.exec(instructions.text);
    assert.ok(link, instructions.text);
    assert.ok(instructions.html.includes(`href="${link[0]}"`));
    assert.match(instructions.text, /only one Android or iOS device/);
    const welcome = mails.find((mail) => mail.subject === 'Welcome to Example Org');
    assert.ok(welcome);
    assert.match(welcome.text, /access to: Endpoint Security\./);

    // The link in the e-mail works; the database keeps only its hash, and the sent row drops the token.
    const described = await instance.anonymous().post('/api/v1/public/connection-link', { token: link[1] });
    assert.equal(described.status, 200, described.text);
    assert.equal(described.body.email, 'anna@example.org');
    const stored = await ctx.db.selectFrom('instruction_links').select('token_hash').executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, link[1]);
    assert.ok(
      !JSON.stringify(await ctx.db.selectFrom('instruction_links').selectAll().execute()).includes(link[1] ?? ''),
    );
    const row = await ctx.db
      .selectFrom('outbox_messages')
      .select(['id', 'status', sql<boolean>`data ? 'token'`.as('has_token')])
      .where('kind', '=', 'instructions')
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.has_token], ['sent', false]);
    const view = await admin.get<OutboxItem>(`/api/v1/outbox/${row.id}`);
    assert.equal(view.body.status, 'sent');
    assert.match(view.body.text ?? '', /not kept after the message was sent/);
    assert.ok(!(view.body.text ?? '').includes(link[1] ?? ''));
  });

  test('bulk-finished and e-mail-changed messages render in the recipient language with the results link', async () => {
    const operationId = '3f1c2b9e-8a40-4b7e-9a55-0c1d2e3f4a5b';
    await queue(
      ctx,
      instance.organizationId,
      'bulk@example.org',
      'bulk_finished',
      {
        operationId,
        type: 'add-users',
        fileName: '<users>.csv',
        status: 'completed_with_errors',
        succeeded: 24998,
        failed: 2,
        dryRun: false,
      },
      'pl',
    );
    await queue(ctx, instance.organizationId, 'new@example.org', 'email_changed', {
      previousEmail: 'old@example.org',
      email: 'new@example.org',
    });
    await deliverDueMessages(ctx);
    const [bulk] = mailsTo(smtp, 'bulk@example.org');
    assert.ok(bulk);
    assert.equal(bulk.subject, 'Operacja zbiorcza zakończona: <users>.csv');
    assert.ok(bulk.text.includes(`${PUBLIC_URL}/bulk/${operationId}`));
    assert.match(bulk.text, /„Dodaj użytkowników”/);
    assert.match(bulk.text, /24998/);
    assert.ok(bulk.html.includes('&lt;users&gt;.csv') && !bulk.html.includes('<users>'));
    assert.ok(bulk.html.includes(`href="${PUBLIC_URL}/bulk/${operationId}"`));
    const [changed] = mailsTo(smtp, 'new@example.org');
    assert.ok(changed);
    assert.match(changed.text, /from old@example.org to new@example.org/);
  });

  test('a refused recipient fails with the SMTP error; an admin retries it from the outbox', async () => {
    smtp.refuse.add('nobody@example.org');
    const id = await queue(ctx, instance.organizationId, 'nobody@example.org', 'email_changed', {
      previousEmail: 'a@example.org',
      email: 'nobody@example.org',
    });
    const report = await deliverDueMessages(ctx);
    assert.equal(report.failed, 1);
    const failed = await admin.get<{ items: OutboxItem[] }>('/api/v1/outbox?status=failed');
    const item = failed.body.items.find((message) => message.id === id);
    assert.ok(item, failed.text);
    assert.equal(item.status, 'failed');
    assert.match(item.lastError ?? '', /550.*Recipient address rejected/);
    assert.equal(mailsTo(smtp, 'nobody@example.org').length, 0);

    smtp.refuse.delete('nobody@example.org');
    const retried = await admin.post<OutboxItem>(`/api/v1/outbox/${id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.status, 'queued');
    await deliverDueMessages(ctx);
    assert.equal(mailsTo(smtp, 'nobody@example.org').length, 1);
    expectProblem(await admin.post(`/api/v1/outbox/${id}/retry`), 409, 'outbox.not_retryable');
    const audit = await admin.get<{ items: { action: string; target: { id: string } }[] }>(
      '/api/v1/audit-events?action=outbox.retry',
    );
    assert.equal(audit.body.items[0]?.target.id, id);
  });

  test('an unreachable server is retried with backoff; the message is then sent once', async () => {
    const down = { ...ctx, config: { ...ctx.config, smtpUrl: `smtp://127.0.0.1:${await closedPort()}` } };
    const id = await queue(ctx, instance.organizationId, 'later@example.org', 'email_changed', {
      previousEmail: 'a@example.org',
      email: 'later@example.org',
    });
    const report = await deliverDueMessages(down);
    assert.equal(report.retrying, 1);
    const waiting = await admin.get<OutboxItem>(`/api/v1/outbox/${id}`);
    assert.equal(waiting.body.status, 'queued');
    assert.equal(waiting.body.retrying, true);
    assert.equal(waiting.body.attempts, 1);
    assert.match(waiting.body.lastError ?? '', /ECONNREFUSED|connect/i);
    assert.ok(Date.parse(waiting.body.nextAttemptAt ?? '') > Date.now() + 20_000, 'retried after a backoff');
    assert.equal((await deliverDueMessages(ctx)).sent, 0, 'not before its time');
    assert.deepEqual(
      [retryDelaySeconds(1), retryDelaySeconds(2), retryDelaySeconds(3), retryDelaySeconds(30)],
      [30, 60, 120, 21_600],
    );
    // The clock moves on.
    await ctx.db
      .updateTable('outbox_messages')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    assert.equal((await deliverDueMessages(ctx)).sent, 1);
    assert.equal(mailsTo(smtp, 'later@example.org').length, 1);
    const sent = await admin.get<OutboxItem>(`/api/v1/outbox/${id}`);
    assert.deepEqual([sent.body.status, sent.body.lastError, sent.body.attempts], ['sent', null, 2]);
  });

  test('a worker that dies after claiming leaves the message for another worker once its lease passes', async () => {
    const id = await queue(ctx, instance.organizationId, 'crash@example.org', 'email_changed', {
      previousEmail: 'a@example.org',
      email: 'crash@example.org',
    });
    const claimed = await claimDueMessages(ctx.db);
    assert.deepEqual(
      claimed.map((message) => message.id),
      [id],
    );
    assert.equal((await deliverDueMessages(ctx)).sent, 0, 'the lease holds');
    assert.equal((await admin.get<OutboxItem>(`/api/v1/outbox/${id}`)).body.status, 'sending');
    await ctx.db
      .updateTable('outbox_messages')
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    assert.equal((await deliverDueMessages(ctx)).sent, 1);
    assert.equal(mailsTo(smtp, 'crash@example.org').length, 1);
  });

  test('two workers racing send every message exactly once', async () => {
    const addresses = Array.from({ length: 40 }, (_, index) => `race-${index}@example.org`);
    await transaction(ctx.db, (trx) =>
      queueMessages(
        trx,
        instance.organizationId,
        addresses.map((to) => ({
          kind: 'email_changed',
          userId: null,
          to,
          locale: 'fi',
          data: { previousEmail: 'x@example.org', email: to },
        })),
      ),
    );
    const reports = await Promise.all([deliverDueMessages(ctx), deliverDueMessages(ctx), deliverDueMessages(ctx)]);
    assert.equal(
      reports.reduce((sum, report) => sum + report.sent, 0),
      40,
    );
    for (const address of addresses) {
      assert.equal(mailsTo(smtp, address).length, 1, address);
    }
    assert.match(mailsTo(smtp, addresses[0] ?? '')[0]?.subject ?? '', /Sähköpostiosoitteesi on muuttunut/);
  });

  test('the outbox pages by cursor, filters by status, and is for system admins of the organization only', async () => {
    const first = await admin.get<{
      items: OutboxItem[];
      nextCursor: string | null;
      total: { total: number; exact: boolean } | null;
    }>('/api/v1/outbox?limit=3');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.items.length, 3);
    assert.ok(first.body.nextCursor);
    const seen = new Set(first.body.items.map((item) => item.id));
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page: { body: { items: OutboxItem[]; nextCursor: string | null } } = await admin.get<{
        items: OutboxItem[];
        nextCursor: string | null;
      }>(`/api/v1/outbox?limit=7&cursor=${encodeURIComponent(cursor)}`);
      for (const item of page.body.items) {
        assert.ok(!seen.has(item.id), 'no message twice');
        seen.add(item.id);
      }
      cursor = page.body.nextCursor;
    }
    const total = await ctx.db
      .selectFrom('outbox_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', instance.organizationId)
      .executeTakeFirstOrThrow();
    assert.equal(seen.size, Number(total.n));
    // The first page counts every message of the list; the next pages do not count again.
    assert.deepEqual(first.body.total, { total: Number(total.n), exact: true });
    const next = await admin.get<{ total: unknown }>(
      `/api/v1/outbox?limit=3&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    assert.equal(next.body.total, null);
    expectProblem(await admin.get('/api/v1/outbox?cursor=bogus'), 400, 'request.validation_failed');
    const someone = first.body.items[0]?.id ?? '';

    const support = await createAdmin(instance, instance.organizationId, 'support-admin');
    const supportClient = await instance.signIn(support.email);
    expectProblem(await supportClient.get('/api/v1/outbox'), 403, 'auth.forbidden');
    expectProblem(await supportClient.post(`/api/v1/outbox/${someone}/retry`), 403, 'auth.forbidden');
    const other = await createOrganization(instance, 'Other Org');
    const otherClient = await instance.signIn(other.email);
    expectProblem(await otherClient.get(`/api/v1/outbox/${someone}`), 404, 'outbox.not_found');
    expectProblem(await otherClient.post(`/api/v1/outbox/${someone}/retry`), 404, 'outbox.not_found');
    assert.deepEqual((await otherClient.get<{ items: unknown[] }>('/api/v1/outbox')).body.items, []);
    expectProblem(await instance.anonymous().get('/api/v1/outbox'), 401, 'auth.required');
  });

  test('an admin discards queued e-mails by id and by filter; they stay listed as discarded and are never sent', async () => {
    const changed = (to: string) => queue(ctx, instance.organizationId, to, 'email_changed', { email: to });
    const one = await changed('discard-one@example.org');
    const kept = await changed('discard-kept@example.org');
    const byFilter = [await changed('Backlog-1@discard.example'), await changed('backlog-2@discard.example')];
    const finished = await queue(ctx, instance.organizationId, 'backlog-3@discard.example', 'bulk_finished', {
      operationId: '00000000-0000-4000-8000-000000000001',
    });
    await ctx.db.updateTable('outbox_messages').set({ status: 'sent' }).where('id', '=', kept).execute();

    const byId = await admin.post<{ discarded: number }>('/api/v1/outbox/discard', { ids: [one, kept] });
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.body.discarded, 1, 'only the queued one; a sent message is left alone');
    const listed = await admin.get<OutboxItem>(`/api/v1/outbox/${one}`);
    assert.equal(listed.body.status, 'discarded');
    assert.equal((await admin.get<OutboxItem>(`/api/v1/outbox/${kept}`)).body.status, 'sent');

    const query = 'q=DISCARD.EXAMPLE&kind=email_changed';
    const matching = await admin.get<{ items: OutboxItem[]; total: { total: number; exact: boolean } }>(
      `/api/v1/outbox?status=queued&${query}`,
    );
    assert.deepEqual(matching.body.items.map((item) => item.id).sort(), [...byFilter].sort());
    assert.deepEqual(matching.body.total, { total: byFilter.length, exact: true }, 'the total is of the filtered list');
    const none = await admin.post<{ discarded: number }>('/api/v1/outbox/discard', {
      filter: { q: 'discard.example', createdBefore: '2000-01-01T00:00:00Z' },
    });
    assert.equal(none.body.discarded, 0, 'nothing was created before 2000');
    const filtered = await admin.post<{ discarded: number }>('/api/v1/outbox/discard', {
      filter: { q: 'discard.example', kind: 'email_changed' },
    });
    assert.equal(filtered.status, 200, filtered.text);
    assert.equal(filtered.body.discarded, 2);
    const discarded = await admin.get<{ items: OutboxItem[] }>(`/api/v1/outbox?status=discarded&${query}`);
    assert.equal(discarded.body.items.length, 2);
    assert.equal((await admin.get<OutboxItem>(`/api/v1/outbox/${finished}`)).body.status, 'queued');

    await deliverDueMessages(ctx);
    assert.equal(mailsTo(smtp, 'discard-one@example.org').length, 0);
    assert.equal(mailsTo(smtp, 'backlog-2@discard.example').length, 0);
    assert.equal(mailsTo(smtp, 'backlog-3@discard.example').length, 1, 'the other kind still goes out');
    const again = await admin.post<{ discarded: number }>('/api/v1/outbox/discard', { ids: byFilter });
    assert.equal(again.body.discarded, 0, 'discarded already');

    const audit = await admin.get<{
      items: { action: string; before: { ids: string[] }; after: { discarded: number; filter: unknown } }[];
    }>('/api/v1/audit-events?action=outbox.discard');
    assert.equal(audit.body.items.length, 2);
    assert.deepEqual(audit.body.items[0]?.before.ids.sort(), [...byFilter].sort());
    assert.deepEqual(audit.body.items[0]?.after.filter, { q: 'discard.example', kind: 'email_changed' });
    assert.equal(audit.body.items[0]?.after.discarded, 2);
    assert.deepEqual(audit.body.items[1]?.before.ids, [one]);

    const problem = expectProblem(
      await admin.post('/api/v1/outbox/discard', { ids: [one], filter: {} }),
      400,
      'request.validation_failed',
    );
    assert.match(JSON.stringify(problem), /ids/);
    expectProblem(await admin.post('/api/v1/outbox/discard', {}), 400, 'request.validation_failed');
    expectProblem(
      await admin.post('/api/v1/outbox/discard', { filter: { createdBefore: 'yesterday' } }),
      400,
      'request.validation_failed',
    );
    const support = await createAdmin(instance, instance.organizationId, 'support-admin');
    const supportClient = await instance.signIn(support.email);
    expectProblem(await supportClient.post('/api/v1/outbox/discard', { filter: {} }), 403, 'auth.forbidden');
    const other = await createOrganization(instance, 'Discarding Org');
    const otherClient = await instance.signIn(other.email);
    const foreign = await otherClient.post<{ discarded: number }>('/api/v1/outbox/discard', { ids: [finished] });
    assert.equal(foreign.body.discarded, 0, 'not a message of their organization');
  });

  test('a large backlog is held before its first delivery until an admin sends it all or discards it all', async () => {
    const organization = await createOrganization(instance, 'Backlog Org');
    const owner = await instance.signIn(organization.email);
    const welcomes = (prefix: string, count: number) =>
      transaction(ctx.db, (trx) =>
        queueMessages(
          trx,
          organization.organizationId,
          Array.from({ length: count }, (_, index) => ({
            kind: 'email_changed' as const,
            userId: null,
            to: `${prefix}-${index}@backlog.example`,
            locale: 'en',
            data: { email: `${prefix}-${index}@backlog.example` },
          })),
        ),
      );
    const sentTo = (prefix: string) =>
      smtp.received.filter((mail) => mail.to.some((to) => to.startsWith(`${prefix}-`)));

    await welcomes('small', 100);
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, false, '100 is not held');
    await welcomes('seeded', 1);
    const held = await owner.get<{ held: boolean; messages: number; oldestAt: string }>('/api/v1/outbox/backlog');
    assert.equal(held.status, 200, held.text);
    assert.equal(held.body.held, true, 'never sent anything, 101 queued');
    assert.equal(held.body.messages, 101);
    // A password reset is awaited by a person: never held.
    await transaction(ctx.db, (trx) =>
      queueMessages(trx, organization.organizationId, [
        {
          kind: 'password_reset' as const,
          userId: null,
          to: 'reset-0@backlog.example',
          locale: 'en',
          data: { token: 'not-a-real-token', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
        },
      ]),
    );
    assert.equal((await owner.get<{ messages: number }>('/api/v1/outbox/backlog')).body.messages, 101);
    await deliverDueMessages(ctx);
    assert.equal(sentTo('small').length + sentTo('seeded').length, 0, 'nothing of a held backlog goes out');
    assert.equal(sentTo('reset').length, 1, 'a password reset is not held with the backlog');

    const discardAll = await owner.post<{ discarded: number }>('/api/v1/outbox/discard', { filter: {} });
    assert.equal(discardAll.body.discarded, 101);
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, false);

    await welcomes('second', 150);
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, true);
    const support = await createAdmin(instance, organization.organizationId, 'support-admin');
    const supportClient = await instance.signIn(support.email);
    expectProblem(await supportClient.post('/api/v1/outbox/backlog/release'), 403, 'auth.forbidden');
    const released = await owner.post<{ held: boolean }>('/api/v1/outbox/backlog/release');
    assert.equal(released.status, 200, released.text);
    assert.equal(released.body.held, false);
    await deliverDueMessages(ctx);
    assert.equal(sentTo('second').length, 150, 'Send all sends the backlog');
    const audit = await owner.get<{ items: { action: string; after: { outboxReleasedAt: string } }[] }>(
      '/api/v1/audit-events?action=outbox.release',
    );
    assert.ok(audit.body.items[0]?.after.outboxReleasedAt);

    // Now sending: a new burst is delivered, but a backlog left for more than a day is held again.
    await welcomes('burst', 120);
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, false);
    await sql`update outbox_messages set created_at = now() - interval '2 days'
      where organization_id = ${organization.organizationId} and status = 'queued'`.execute(ctx.db);
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, false, 'released before');
    await ctx.db
      .updateTable('organizations')
      .set({ outbox_released_at: null })
      .where('id', '=', organization.organizationId)
      .execute();
    assert.equal((await owner.get<{ held: boolean }>('/api/v1/outbox/backlog')).body.held, true, 'older than a day');
  });
});

describe('outbox without SMTP_URL, and the worker loop', () => {
  test('without SMTP_URL messages stay queued and readable, rendered', async () => {
    const instance = await startTestInstance({ USHER_OUTBOX_POLL_SECONDS: '1' });
    try {
      const admin = await instance.signIn();
      await admin.post('/api/v1/users', { users: [{ email: 'kept@example.org' }], sendInstructions: true });
      assert.deepEqual(await deliverDueMessages(instance.app.ctx), { sent: 0, retrying: 0, failed: 0 });
      const list = await admin.get<{ items: OutboxItem[] }>('/api/v1/outbox?status=queued&kind=instructions');
      const [item] = list.body.items;
      assert.ok(item, list.text);
      assert.equal(item.to, 'kept@example.org');
      const view = await admin.get<OutboxItem>(`/api/v1/outbox/${item.id}`);
      assert.match(view.body.text ?? '', /http:\/\/localhost:1\/connect\/[A-Za-z0-9_-]{43}/);
      assert.match(view.body.html ?? '', /<a href="http:\/\/localhost:1\/connect\//);
    } finally {
      await instance.close();
    }
  });

  test('a worker with SMTP_URL sends new messages by itself', async () => {
    const smtp = await startSmtpServer();
    const instance = await startTestInstance({ SMTP_URL: smtp.url, USHER_OUTBOX_POLL_SECONDS: '1' });
    try {
      const admin = await instance.signIn();
      await admin.post('/api/v1/users', { users: [{ email: 'auto@example.org' }], sendInstructions: true });
      while (mailsTo(smtp, 'auto@example.org').length === 0) {
        await sleep(100);
      }
      const status = () =>
        instance.app.ctx.db
          .selectFrom('outbox_messages')
          .select('status')
          .where('to_address', '=', 'auto@example.org')
          .executeTakeFirstOrThrow();
      while ((await status()).status !== 'sent') {
        await sleep(50);
      }
      assert.equal(mailsTo(smtp, 'auto@example.org').length, 1);
    } finally {
      await instance.close();
      await smtp.close();
    }
  });
});
