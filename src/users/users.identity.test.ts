import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from '../../test/support/client.ts';
import { createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface Detail {
  id: string;
  email: string;
  identityType: string;
  readOnlyReason: string | null;
  profiles: { name: string }[];
}

/** Claims a domain for an organization in a directory, as domain verification does. */
async function claim(
  instance: TestInstance,
  organizationId: string,
  domain: string,
  identityType: 'enterprise' | 'federated',
) {
  const db = instance.app.ctx.db;
  const directory = await db
    .insertInto('directories')
    .values({ organization_id: organizationId, name: `${domain} directory`, identity_type: identityType })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('domains')
    .values({
      organization_id: organizationId,
      directory_id: directory.id,
      name: domain,
      verification_token: 't',
      status: 'claimed',
      claimed_at: new Date(),
    })
    .execute();
  return directory.id;
}

describe('identity types follow the e-mail domain; trusted users are read-only', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test("owned domains give their directory's type; e-mail changes stay in owned domains and notify the user", async () => {
    await claim(instance, instance.organizationId, 'acme.example', 'enterprise');
    await claim(instance, instance.organizationId, 'acme-eu.example', 'enterprise');
    await claim(instance, instance.organizationId, 'sso.example', 'federated');
    const admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string; identityType: string }[] }>('/api/v1/users', {
      users: [{ email: 'ola@ACME.example' }, { email: 'sso-user@sso.example' }, { email: 'someone@gmail.example' }],
    });
    assert.deepEqual(
      added.body.items.map((user) => user.identityType),
      ['enterprise', 'federated', 'personal'],
    );
    const ola = added.body.items[0]?.id;
    const moved = await admin.patch<Detail>(`/api/v1/users/${ola}`, { email: 'ola@acme-eu.example' });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.email, 'ola@acme-eu.example');
    const message = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['kind', 'to_address', 'data'])
      .where('kind', '=', 'email_changed')
      .executeTakeFirst();
    assert.deepEqual(message, {
      kind: 'email_changed',
      to_address: 'ola@acme-eu.example',
      data: { previousEmail: 'ola@ACME.example', email: 'ola@acme-eu.example' },
    });
    expectProblem(
      await admin.patch(`/api/v1/users/${ola}`, { email: 'ola@sso.example' }),
      422,
      'users.email_not_changeable',
    );
    expectProblem(
      await admin.patch(`/api/v1/users/${ola}`, { email: 'ola@gmail.example' }),
      422,
      'users.email_not_changeable',
    );
  });

  test('a trustee adds users of a trusted directory, assigns profiles, but cannot edit their details', async () => {
    const owner = await createOrganization(instance, 'Owner Corp');
    const directoryId = await claim(instance, owner.organizationId, 'owner.example', 'federated');
    await instance.app.ctx.db
      .insertInto('directory_trusts')
      .values({
        organization_id: owner.organizationId,
        directory_id: directoryId,
        trustee_organization_id: instance.organizationId,
      })
      .execute();
    const admin = await instance.signIn();
    const product = await admin.post<{ id: string }>('/api/v1/products', {
      name: 'Trusted product',
      licenseQuantity: 5,
    });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Trusted profile' });
    const added = await admin.post<{ items: { id: string; identityType: string }[] }>('/api/v1/users', {
      users: [{ email: 'partner@owner.example' }],
    });
    assert.equal(added.body.items[0]?.identityType, 'federated');
    const id = added.body.items[0]?.id;
    const detail = await admin.get<Detail>(`/api/v1/users/${id}`);
    assert.match(detail.body.readOnlyReason ?? '', /owner\.example is owned by another organization/);
    expectProblem(await admin.patch(`/api/v1/users/${id}`, { firstName: 'Changed' }), 409, 'users.read_only');
    const assigned = await admin.patch<Detail>(`/api/v1/users/${id}`, { profiles: ['Trusted profile'] });
    assert.deepEqual(
      assigned.body.profiles.map((profile) => profile.name),
      ['Trusted profile'],
    );

    const stranger = await createOrganization(instance, 'Stranger LLC');
    const other = await instance.signIn(stranger.email);
    const personal = await other.post<{ items: { identityType: string }[] }>('/api/v1/users', {
      users: [{ email: 'partner@owner.example' }],
    });
    assert.equal(
      personal.body.items[0]?.identityType,
      'personal',
      'without trust the domain means nothing to another organization',
    );
  });
});
