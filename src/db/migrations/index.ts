import type { Migration } from 'kysely/migration';
import * as m20261124090000 from './20261124090000-create-organizations-and-users.ts';
import * as m20261124090100 from './20261124090100-create-catalog.ts';
import * as m20261124090200 from './20261124090200-create-api-tokens-and-admin-roles.ts';
import * as m20261124090300 from './20261124090300-create-sessions-and-audit.ts';
import * as m20261124100000 from './20261124100000-add-product-profile-services.ts';
import * as m20261124110000 from './20261124110000-create-directories-and-domains.ts';
import * as m20261124110100 from './20261124110100-create-assignments-and-licenses.ts';
import * as m20261124110200 from './20261124110200-create-user-content-and-outbox.ts';
import * as m20261124130000 from './20261124130000-add-user-group-version.ts';
import * as m20261124140000 from './20261124140000-add-outbox-dedupe-key.ts';
import * as m20261124150000 from './20261124150000-drop-product-licenses-foreign-keys.ts';
import * as m20261124160000 from './20261124160000-create-instruction-links-and-devices.ts';
import * as m20261124170000 from './20261124170000-add-scim-columns.ts';
import * as m20261124180000 from './20261124180000-create-bulk-operations.ts';
import * as m20261124190000 from './20261124190000-key-product-licenses-by-user.ts';
import * as m20261207010000 from './20261207010000-add-rate-limit-last-hit.ts';
import * as m20261207020000 from './20261207020000-create-umapi-integrations.ts';
import * as m20261207030000 from './20261207030000-create-directory-sync.ts';
import * as m20261207040000 from './20261207040000-create-password-tokens.ts';
import * as m20261207050000 from './20261207050000-create-mfa-factors.ts';
import * as m20261207130000 from './20261207130000-cover-users-sort-indexes.ts';
import * as m20261207130100 from './20261207130100-add-users-search-text.ts';
import * as m20261207140000 from './20261207140000-add-bulk-row-changes.ts';
import * as m20261207150000 from './20261207150000-track-group-membership-changes.ts';
import * as m20261207160000 from './20261207160000-add-change-sources.ts';
import * as m20261207170000 from './20261207170000-forget-departures-of-deleted-users.ts';
import * as m20261207220000 from './20261207220000-allow-discarded-outbox-messages.ts';
import * as m20261207220100 from './20261207220100-add-outbox-released-at.ts';
import * as m20261207230000 from './20261207230000-create-identity-providers.ts';
import * as m20261207230500 from './20261207230500-add-product-alert-level.ts';
import * as m20261207230600 from './20261207230600-add-device-last-seen.ts';
import * as m20261207230700 from './20261207230700-add-bulk-undo.ts';
import * as m20261207231000 from './20261207231000-add-receiving-bulk-status.ts';
import * as m20261207232000 from './20261207232000-add-saml-identity-providers.ts';
import * as m20261207232100 from './20261207232100-add-bulk-skipped-rows.ts';
import * as m20261207232500 from './20261207232500-keep-deleted-groups-members.ts';
import * as m20261208000100 from './20261208000100-add-device-download-links.ts';
import * as m20261208000200 from './20261208000200-add-users-sort-indexes.ts';
import * as m20261208000300 from './20261208000300-add-directory-sync-run-entries.ts';
import * as m20261208000400 from './20261208000400-add-undo-deleting-created-users.ts';
import * as m20261208000500 from './20261208000500-unlogged-rate-limits.ts';
import * as m20261208000600 from './20261208000600-add-sync-run-undo.ts';
import * as m20261208000700 from './20261208000700-count-group-licenses.ts';
import * as m20261208001000 from './20261208001000-index-direct-licenses-by-product.ts';

/**
 * Every migration, by name, in order. Listed explicitly (not read from the folder) so that the
 * set is fixed at build time and a typo is a type error, not a skipped migration.
 */
export const migrations: Record<string, Migration> = {
  '20261124090000-create-organizations-and-users': m20261124090000,
  '20261124090100-create-catalog': m20261124090100,
  '20261124090200-create-api-tokens-and-admin-roles': m20261124090200,
  '20261124090300-create-sessions-and-audit': m20261124090300,
  '20261124100000-add-product-profile-services': m20261124100000,
  '20261124110000-create-directories-and-domains': m20261124110000,
  '20261124110100-create-assignments-and-licenses': m20261124110100,
  '20261124110200-create-user-content-and-outbox': m20261124110200,
  '20261124130000-add-user-group-version': m20261124130000,
  '20261124140000-add-outbox-dedupe-key': m20261124140000,
  '20261124150000-drop-product-licenses-foreign-keys': m20261124150000,
  '20261124160000-create-instruction-links-and-devices': m20261124160000,
  '20261124170000-add-scim-columns': m20261124170000,
  '20261124180000-create-bulk-operations': m20261124180000,
  '20261124190000-key-product-licenses-by-user': m20261124190000,
  '20261207010000-add-rate-limit-last-hit': m20261207010000,
  '20261207020000-create-umapi-integrations': m20261207020000,
  '20261207030000-create-directory-sync': m20261207030000,
  '20261207040000-create-password-tokens': m20261207040000,
  '20261207050000-create-mfa-factors': m20261207050000,
  '20261207130000-cover-users-sort-indexes': m20261207130000,
  '20261207130100-add-users-search-text': m20261207130100,
  '20261207140000-add-bulk-row-changes': m20261207140000,
  '20261207150000-track-group-membership-changes': m20261207150000,
  '20261207160000-add-change-sources': m20261207160000,
  '20261207170000-forget-departures-of-deleted-users': m20261207170000,
  '20261207220000-allow-discarded-outbox-messages': m20261207220000,
  '20261207220100-add-outbox-released-at': m20261207220100,
  '20261207230000-create-identity-providers': m20261207230000,
  '20261207230500-add-product-alert-level': m20261207230500,
  '20261207230600-add-device-last-seen': m20261207230600,
  '20261207230700-add-bulk-undo': m20261207230700,
  '20261207231000-add-receiving-bulk-status': m20261207231000,
  '20261207232000-add-saml-identity-providers': m20261207232000,
  '20261207232100-add-bulk-skipped-rows': m20261207232100,
  '20261207232500-keep-deleted-groups-members': m20261207232500,
  '20261208000100-add-device-download-links': m20261208000100,
  '20261208000200-add-users-sort-indexes': m20261208000200,
  '20261208000300-add-directory-sync-run-entries': m20261208000300,
  '20261208000400-add-undo-deleting-created-users': m20261208000400,
  '20261208000500-unlogged-rate-limits': m20261208000500,
  '20261208000600-add-sync-run-undo': m20261208000600,
  '20261208000700-count-group-licenses': m20261208000700,
  '20261208001000-index-direct-licenses-by-product': m20261208001000,
};
