import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOCALES } from '../../shared/contracts.ts';
import { escapeHtml, MAIL_CATALOGS, renderMail } from './render.ts';

function leaves(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof value === 'string') {
    out.set(prefix, value);
    return out;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    for (const [path, text] of leaves(child, prefix ? `${prefix}.${key}` : key)) {
      out.set(path, text);
    }
  }
  return out;
}

const variables = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort();

const SAMPLES = {
  welcome: { products: ['Acrobat', 'Photoshop'], adminRole: { role: 'product-admin', scope: { name: 'Acrobat' } } },
  instructions: { linkId: 'l', token: 'abc_DEF-123', expiresAt: '2026-12-24T10:00:00Z' },
  welcome_invitation: {
    adminRoles: [{ role: 'group-admin', scope: { name: 'Design' } }],
    token: 'inv_TOKEN-1',
    expiresAt: '2026-12-10T10:00:00Z',
  },
  password_reset: { token: 'reset_TOKEN-1', expiresAt: '2026-12-07T11:00:00Z' },
  email_changed: { previousEmail: 'a@example.org', email: 'b@example.org' },
  bulk_finished: {
    operationId: 'op-1',
    type: 'edit-users',
    fileName: 'x.csv',
    status: 'failed',
    succeeded: 1,
    failed: 2,
    dryRun: true,
  },
  bulk_undo_finished: {
    operationId: 'op-2',
    type: 'add-users',
    fileName: 'new-hires.csv',
    status: 'completed',
    succeeded: 3,
    failed: 0,
    skipped: 1,
    dryRun: false,
    undo: true,
    undoneOperationId: 'op-1',
    undoneInitiator: 'ann@acme.example',
  },
  bulk_sync_undo_finished: {
    operationId: 'op-3',
    type: 'edit-users',
    fileName: 'Directory sync: Corp, run of 2026-12-07T21:56:30.906Z',
    status: 'completed',
    succeeded: 2,
    failed: 0,
    skipped: 0,
    dryRun: false,
    undo: true,
    undoneOperationId: null,
    undoneInitiator: '',
    undoneSyncRunId: 'run-1',
  },
  sign_in_throttled: { failures: 100 },
};

const KINDS: Record<string, string> = {
  welcome_invitation: 'welcome',
  bulk_undo_finished: 'bulk_finished',
  bulk_sync_undo_finished: 'bulk_finished',
};

describe('e-mail rendering', () => {
  test('the five server catalogs have the same keys and the same variables', () => {
    const english = leaves(MAIL_CATALOGS.en);
    for (const locale of LOCALES) {
      const other = leaves(MAIL_CATALOGS[locale]);
      assert.deepEqual([...other.keys()].sort(), [...english.keys()].sort(), `${locale} keys`);
      for (const [key, text] of english) {
        assert.deepEqual(variables(other.get(key) ?? ''), variables(text), `${locale} ${key}`);
        assert.notEqual((other.get(key) ?? '').trim(), '', `${locale} ${key} is empty`);
      }
    }
  });

  test('every kind renders in every language with no key left untranslated', () => {
    for (const locale of LOCALES) {
      for (const [kind, data] of Object.entries(SAMPLES)) {
        const mail = renderMail({
          kind: KINDS[kind] ?? kind,
          locale,
          data,
          organizationName: 'Acme',
          recipientName: 'Anna',
          publicUrl: 'https://u.example',
        });
        for (const part of [mail.subject, mail.text, mail.html]) {
          assert.ok(
            !/\b(welcome|instructions|emailChanged|passwordReset|bulkFinished|common|roles)\.\w+/.test(part),
            `${locale} ${kind}: ${part}`,
          );
          assert.ok(!part.includes('{{'), `${locale} ${kind}`);
        }
        assert.match(mail.html, new RegExp(`<html lang="${locale}">`));
        if (kind === 'welcome_invitation') {
          assert.ok(mail.text.includes('https://u.example/set-password/inv_TOKEN-1'), `${locale}: ${mail.text}`);
          assert.ok(mail.html.includes('href="https://u.example/set-password/inv_TOKEN-1"'), locale);
        }
        if (kind === 'bulk_sync_undo_finished') {
          // The undo of a sync run names the run (its file name), with no link to an operation it undoes.
          assert.ok(mail.text.includes('Directory sync: Corp, run of'), `${locale}: ${mail.text}`);
          assert.deepEqual(
            mail.text.match(/https:\/\/u\.example\/bulk\/\S*/g),
            ['https://u.example/bulk/op-3'],
            locale,
          );
        }
        if (kind === 'password_reset') {
          assert.ok(mail.text.includes('https://u.example/reset-password/reset_TOKEN-1'), `${locale}: ${mail.text}`);
        }
      }
    }
  });

  test('links, escaping and fallbacks', () => {
    const mail = renderMail({
      kind: 'instructions',
      locale: 'xx',
      data: SAMPLES.instructions,
      organizationName: 'Evil <script>alert(1)</script>\r\nBcc: x@y',
      recipientName: null,
      publicUrl: 'https://u.example',
    });
    assert.match(mail.text, /^Hello,/);
    assert.ok(mail.text.includes('https://u.example/connect/abc_DEF-123'));
    assert.ok(!mail.html.includes('<script>'));
    assert.ok(mail.html.includes('Evil &lt;script&gt;'));
    assert.ok(!/[\r\n]/.test(mail.subject), 'the subject is one line');
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const roles = renderMail({
      kind: 'welcome',
      locale: 'en',
      data: { adminRoles: [{ role: 'system-admin' }, { role: 'product-admin', scope: { name: 'Acrobat' } }] },
      organizationName: 'Acme',
      recipientName: 'Anna',
      publicUrl: 'https://u.example',
    });
    assert.ok(roles.text.includes('Acme has made you an administrator: System administrator.'), roles.text);
    assert.ok(roles.text.includes('Acme has made you an administrator: Product administrator of Acrobat.'), roles.text);
    const bulk = renderMail({
      kind: 'bulk_finished',
      locale: 'cs',
      data: SAMPLES.bulk_finished,
      organizationName: 'Acme',
      recipientName: 'Jan',
      publicUrl: 'https://u.example',
    });
    assert.equal(bulk.subject, 'Zkušební běh dokončen: x.csv');
    assert.ok(bulk.text.includes('https://u.example/bulk/op-1'));
    // An undo's e-mail says it is an undo, of which file and whose operation, with a link to it.
    const undo = renderMail({
      kind: 'bulk_finished',
      locale: 'en',
      data: SAMPLES.bulk_undo_finished,
      organizationName: 'Acme',
      recipientName: 'Jan',
      publicUrl: 'https://u.example',
    });
    assert.equal(undo.subject, 'Undo finished: new-hires.csv');
    assert.ok(undo.text.includes('The undo of the bulk operation'), undo.text);
    assert.ok(undo.text.includes('started by ann@acme.example'), undo.text);
    assert.ok(undo.text.includes('Rows skipped: 1.'), undo.text);
    assert.ok(undo.text.includes('The operation undone: https://u.example/bulk/op-1'), undo.text);
    assert.ok(undo.text.includes('https://u.example/bulk/op-2'), undo.text);
    assert.throws(() =>
      renderMail({
        kind: 'nope',
        locale: 'en',
        data: {},
        organizationName: 'A',
        recipientName: null,
        publicUrl: 'https://u',
      }),
    );
  });
});
