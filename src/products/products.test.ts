import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface Product {
  id: string;
  name: string;
  licenseQuantity: number;
}
interface Profile {
  id: string;
  productId: string;
  productName: string;
  name: string;
  description: string | null;
  services: string[];
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('products and product profiles', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test('a system admin adds, renames, re-counts and lists products; names are unique case-insensitively', async () => {
    const admin = await instance.signIn();
    const created = await admin.post<Product>('/api/v1/products', { name: 'Creative Cloud', licenseQuantity: 50 });
    assert.equal(created.status, 201);
    assert.equal(created.body.licenseQuantity, 50);
    const duplicate = expectProblem(
      await admin.post('/api/v1/products', { name: 'creative cloud', licenseQuantity: 5 }),
      409,
      'products.name_taken',
    );
    assert.deepEqual(
      (duplicate.errors as { field: string }[]).map((error) => error.field),
      ['body.name'],
    );
    for (const [body, field] of [
      [{ name: 'X', licenseQuantity: -1 }, 'body.licenseQuantity'],
      [{ name: 'X', licenseQuantity: 1.5 }, 'body.licenseQuantity'],
      [{ name: 'X', licenseQuantity: '10' }, 'body.licenseQuantity'],
      [{ name: 'x'.repeat(256), licenseQuantity: 1 }, 'body.name'],
      [{ licenseQuantity: 1 }, 'body.name'],
    ] as const) {
      const problem = expectProblem(await admin.post('/api/v1/products', body), 400, 'request.validation_failed');
      assert.equal((problem.errors as { field: string }[])[0]?.field, field);
    }
    const patched = await admin.patch<Product>(`/api/v1/products/${created.body.id}`, { licenseQuantity: 75 });
    assert.equal(patched.body.licenseQuantity, 75);
    const list = await admin.get<Page<Product>>('/api/v1/products');
    assert.deepEqual(
      list.body.items.map((product) => [product.name, product.licenseQuantity]),
      [['Creative Cloud', 75]],
    );
    const audit = await admin.get<{ items: { action: string; before: unknown; after: unknown }[] }>(
      `/api/v1/audit-events?target=${created.body.id}`,
    );
    assert.deepEqual(
      audit.body.items.map((event) => [event.action, event.before, event.after]),
      [
        [
          'product.update',
          { name: 'Creative Cloud', licenseQuantity: 50 },
          { name: 'Creative Cloud', licenseQuantity: 75 },
        ],
        ['product.create', null, { name: 'Creative Cloud', licenseQuantity: 50 }],
      ],
    );
  });

  test('the license quantity cannot go below the licenses in use: 422 naming the field, nothing changed', async () => {
    const admin = await instance.signIn();
    const product = await admin.post<Product>('/api/v1/products', { name: 'Quota Product', licenseQuantity: 3 });
    const profile = await admin.post<Profile>('/api/v1/product-profiles', {
      productId: product.body.id,
      name: 'Quota Profile',
    });
    const users = await admin.post('/api/v1/users', {
      users: [
        { email: 'quota-1@example.org', profiles: [profile.body.name] },
        { email: 'quota-2@example.org', profiles: [profile.body.name] },
      ],
    });
    assert.equal(users.status, 201, users.text);
    const refused = expectProblem(
      await admin.patch(`/api/v1/products/${product.body.id}`, { licenseQuantity: 1 }),
      422,
      'products.quantity_below_usage',
    );
    assert.deepEqual(refused.errors, [{ field: 'body.licenseQuantity', message: 'at least 2' }]);
    const unchanged = await admin.get<Product>(`/api/v1/products/${product.body.id}`);
    assert.equal(unchanged.body.licenseQuantity, 3);
    const lowered = await admin.patch<Product>(`/api/v1/products/${product.body.id}`, { licenseQuantity: 2 });
    assert.equal(lowered.status, 200, lowered.text);
    assert.equal(lowered.body.licenseQuantity, 2);
  });

  test('profiles belong to a product, have unique names, services, and page by name', async () => {
    const admin = await instance.signIn();
    const product = await admin.post<Product>('/api/v1/products', { name: 'Acrobat', licenseQuantity: 10 });
    const names = ['Editors', 'authors', 'Readers', 'Designers', 'Contractors'];
    for (const name of names) {
      const created = await admin.post<Profile>('/api/v1/product-profiles', {
        productId: product.body.id,
        name,
        description: `${name} profile`,
        services: ['PDF export', 'PDF export', ' Sign '],
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.productName, 'Acrobat');
      assert.deepEqual(created.body.services, ['PDF export', 'Sign']);
    }
    expectProblem(
      await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'EDITORS' }),
      409,
      'product_profiles.name_taken',
    );
    expectProblem(
      await admin.post('/api/v1/product-profiles', {
        productId: '00000000-0000-4000-8000-000000000000',
        name: 'Orphan',
      }),
      422,
      'product_profiles.product_not_found',
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/api/v1/product-profiles?productId=${product.body.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { body: Page<Profile> } = await admin.get<Page<Profile>>(path);
      seen.push(...page.body.items.map((profile) => profile.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['authors', 'Contractors', 'Designers', 'Editors', 'Readers']);
    const first = await admin.get<Page<Profile>>(`/api/v1/product-profiles?productId=${product.body.id}&limit=1`);
    const profileId = first.body.items[0]?.id ?? '';
    const patched = await admin.patch<Profile>(`/api/v1/product-profiles/${profileId}`, {
      description: null,
      services: [],
    });
    assert.deepEqual([patched.body.description, patched.body.services], [null, []]);
    assert.equal((await admin.delete(`/api/v1/product-profiles/${profileId}`)).status, 204);
    expectProblem(await admin.get(`/api/v1/product-profiles/${profileId}`), 404, 'request.not_found');
  });

  test("scopes: a product admin manages only their product's profiles; a profile admin sees only their profile", async () => {
    const admin = await instance.signIn();
    const mine = await admin.post<Product>('/api/v1/products', { name: 'Mine', licenseQuantity: 5 });
    const theirs = await admin.post<Product>('/api/v1/products', { name: 'Theirs', licenseQuantity: 5 });
    const theirProfile = await admin.post<Profile>('/api/v1/product-profiles', {
      productId: theirs.body.id,
      name: 'Their profile',
    });

    const productAdmin = await createAdmin(instance, instance.organizationId, 'product-admin', {
      productId: mine.body.id,
    });
    const pa = await instance.signIn(productAdmin.email);
    const ok = await pa.post<Profile>('/api/v1/product-profiles', { productId: mine.body.id, name: 'Mine default' });
    assert.equal(ok.status, 201);
    expectProblem(
      await pa.post('/api/v1/product-profiles', { productId: theirs.body.id, name: 'Sneaky' }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await pa.patch(`/api/v1/product-profiles/${theirProfile.body.id}`, { name: 'Hijacked' }),
      403,
      'auth.forbidden',
    );
    expectProblem(await pa.post('/api/v1/products', { name: 'New', licenseQuantity: 1 }), 403, 'auth.forbidden');
    expectProblem(await pa.get(`/api/v1/products/${theirs.body.id}`), 403, 'auth.forbidden');
    const visible = await pa.get<Page<Product>>('/api/v1/products');
    assert.deepEqual(
      visible.body.items.map((product) => product.name),
      ['Mine'],
    );
    const profiles = await pa.get<Page<Profile>>('/api/v1/product-profiles');
    assert.deepEqual(
      profiles.body.items.map((profile) => profile.name),
      ['Mine default'],
    );

    const profileAdmin = await createAdmin(instance, instance.organizationId, 'profile-admin', {
      profileId: ok.body.id,
    });
    const fa = await instance.signIn(profileAdmin.email);
    assert.deepEqual(
      (await fa.get<Page<Profile>>('/api/v1/product-profiles')).body.items.map((profile) => profile.id),
      [ok.body.id],
    );
    assert.deepEqual(
      (await fa.get<Page<Product>>('/api/v1/products')).body.items.map((product) => product.id),
      [mine.body.id],
    );
    expectProblem(await fa.patch(`/api/v1/product-profiles/${ok.body.id}`, { name: 'Renamed' }), 403, 'auth.forbidden');
    const denied = await admin.get<{ items: unknown[] }>(
      `/api/v1/audit-events?action=authorization.denied&actor=${profileAdmin.email}`,
    );
    assert.equal(denied.body.items.length, 1);
    const theirUnchanged = await admin.get<Profile>(`/api/v1/product-profiles/${theirProfile.body.id}`);
    assert.equal(theirUnchanged.body.name, 'Their profile');
  });

  test('deleting a product deletes its profiles and the admin rights scoped to them', async () => {
    const admin = await instance.signIn();
    const product = await admin.post<Product>('/api/v1/products', { name: 'Short-lived', licenseQuantity: 1 });
    const profile = await admin.post<Profile>('/api/v1/product-profiles', {
      productId: product.body.id,
      name: 'Short-lived profile',
    });
    const scoped = await createAdmin(instance, instance.organizationId, 'profile-admin', {
      profileId: profile.body.id,
    });
    assert.equal((await admin.delete(`/api/v1/products/${product.body.id}`)).status, 204);
    expectProblem(await admin.get(`/api/v1/product-profiles/${profile.body.id}`), 404, 'request.not_found');
    const grants = await instance.app.ctx.db
      .selectFrom('admin_role_assignments')
      .select('id')
      .where('user_id', '=', scoped.userId)
      .execute();
    assert.equal(grants.length, 0);
  });

  test('deleting a profile or a product recounts the licenses its holders used', async () => {
    const admin = await instance.signIn();
    const product = await admin.post<Product>('/api/v1/products', { name: 'Recount', licenseQuantity: 5 });
    for (const name of ['Recount A', 'Recount B']) {
      await admin.post('/api/v1/product-profiles', { productId: product.body.id, name });
    }
    await admin.post('/api/v1/users', {
      users: [
        { email: 'only-a@recount.example', profiles: ['Recount A'] },
        { email: 'both@recount.example', profiles: ['Recount A', 'Recount B'] },
      ],
    });
    const usage = async () =>
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${product.body.id}`)).body.licensesUsed;
    assert.equal(await usage(), 2);
    const profiles = await admin.get<Page<Profile>>(`/api/v1/product-profiles?productId=${product.body.id}`);
    const a = profiles.body.items.find((profile) => profile.name === 'Recount A');
    assert.equal((await admin.delete(`/api/v1/product-profiles/${a?.id}`)).status, 204);
    assert.equal(await usage(), 1, 'the user with only profile A lost the license; the other keeps it through B');
    assert.equal((await admin.delete(`/api/v1/products/${product.body.id}`)).status, 204);
    const left = await instance.app.ctx.db
      .selectFrom('product_licenses')
      .select('user_id')
      .where('product_id', '=', product.body.id)
      .execute();
    assert.deepEqual(left, []);
  });

  test("another organization's products are invisible and untouchable", async () => {
    const other = await createOrganization(instance, 'Elsewhere Ltd');
    const b = await instance.signIn(other.email);
    const theirs = await b.post<Product>('/api/v1/products', { name: 'Elsewhere product', licenseQuantity: 3 });
    const a = await instance.signIn();
    expectProblem(await a.get(`/api/v1/products/${theirs.body.id}`), 404, 'request.not_found');
    expectProblem(
      await a.patch(`/api/v1/products/${theirs.body.id}`, { licenseQuantity: 0 }),
      404,
      'request.not_found',
    );
    expectProblem(await a.delete(`/api/v1/products/${theirs.body.id}`), 404, 'request.not_found');
    expectProblem(
      await a.post('/api/v1/product-profiles', { productId: theirs.body.id, name: 'Cross-tenant' }),
      422,
      'product_profiles.product_not_found',
    );
    assert.ok(
      !(await a.get<Page<Product>>('/api/v1/products?limit=500')).body.items.some(
        (product) => product.id === theirs.body.id,
      ),
    );
    const same = await a.post<Product>('/api/v1/products', { name: 'Elsewhere product', licenseQuantity: 1 });
    assert.equal(same.status, 201, 'names are unique per organization, not per instance');
    assert.equal((await b.get<Product>(`/api/v1/products/${theirs.body.id}`)).body.licenseQuantity, 3);
  });
});
