import assert from 'node:assert/strict';
import type { Client, TestResponse } from './client.ts';

/** A bulk operation as the API returns it (the fields tests look at). */
export interface BulkOperation {
  id: string;
  type: string;
  status: string;
  dryRun: boolean;
  totalRows: number;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  skippedRows: number;
  error: { code: string; message: string } | null;
  deficits: { productName: string; seats: number; used: number; needed: number }[];
  initiatedBy: { kind: string; label: string };
}

/** A row of an operation's results. */
export interface BulkRow {
  rowNumber: number;
  status: string;
  message: string;
  outcomes: { code: string; params?: Record<string, string | number> }[];
  /** The row's user or group before and after it (null: the row changed nothing). */
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
}

/**
 * Uploads a CSV file as a bulk operation, the way a browser does (multipart/form-data, fields
 * before the file), with the client's cookie and CSRF token or bearer token.
 * @returns the response
 */
export async function upload(
  client: Client,
  fields: { type: string; dryRun?: boolean; groupId?: string },
  file: string | Uint8Array,
  fileName = 'upload.csv',
): Promise<TestResponse<{ id: string }>> {
  const form = new FormData();
  form.set('type', fields.type);
  if (fields.dryRun !== undefined) {
    form.set('dryRun', String(fields.dryRun));
  }
  if (fields.groupId) {
    form.set('groupId', fields.groupId);
  }
  form.set('file', new Blob([typeof file === 'string' ? file : Buffer.from(file)], { type: 'text/csv' }), fileName);
  const headers: Record<string, string> = {};
  if (client.bearer) {
    headers.authorization = `Bearer ${client.bearer}`;
  }
  if (client.cookie) {
    headers.cookie = client.cookie;
  }
  if (client.csrfToken) {
    headers['x-csrf-token'] = client.csrfToken;
  }
  const response = await fetch(`${client.baseUrl}/api/v1/bulk-operations`, { method: 'POST', headers, body: form });
  const text = await response.text();
  const body = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body, text };
}

/**
 * Waits until the operation has finished (polling, as the console does). The wait lasts as long as
 * the operation makes progress: it fails only when `processedRows` has not moved for `stallMs`, so
 * a loaded machine slows the test down without failing it.
 * @returns the finished operation
 */
export async function waitForOperation(client: Client, id: string, stallMs = 60_000): Promise<BulkOperation> {
  let progress = -1;
  let movedAt = Date.now();
  for (;;) {
    const response = await client.get<BulkOperation>(`/api/v1/bulk-operations/${id}`);
    assert.equal(response.status, 200, response.text);
    if (!['queued', 'running'].includes(response.body.status)) {
      return response.body;
    }
    if (response.body.processedRows !== progress) {
      progress = response.body.processedRows;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(
        `bulk operation ${id} still ${response.body.status} at row ${progress}, unmoved for ${stallMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Uploads and waits for the result.
 * @returns the finished operation and its rows
 */
export async function runBulk(
  client: Client,
  fields: { type: string; dryRun?: boolean; groupId?: string },
  file: string,
): Promise<{ operation: BulkOperation; rows: BulkRow[] }> {
  const created = await upload(client, fields, file);
  assert.equal(created.status, 202, created.text);
  const operation = await waitForOperation(client, created.body.id);
  const rows = await client.get<{ items: BulkRow[] }>(`/api/v1/bulk-operations/${created.body.id}/rows?limit=200`);
  return { operation, rows: rows.body.items };
}
