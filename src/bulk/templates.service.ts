import type { AppContext } from '../context.ts';
import { type GroupSummary, streamGroupSummaries } from '../groups/groups.catalog.ts';
import { type Actor, authorize, can, reachable } from '../roles/policy.ts';
import { userCsvRows } from '../users/users.csv.ts';
import { type BulkType, GROUP_FILE_TYPES } from './csv/formats.ts';
import { groupCsvLine, standardTemplateRows, templateHeaders } from './csv/templates.ts';

/** A CSV file to send: its name, header and lazily produced rows. */
export interface CsvFile {
  filename: string;
  header: string[];
  rows: AsyncIterable<string[]>;
}

async function* fromArray(rows: string[][]): AsyncGenerator<string[]> {
  yield* rows;
}

/** The group CSV lines (GROUP_CSV_HEADERS order) of groups as the groups capability lists them. */
async function* groupCsvLines(groups: AsyncIterable<GroupSummary>): AsyncGenerator<string[]> {
  for await (const group of groups) {
    yield groupCsvLine(group);
  }
}

/** Pads the 17 user columns with empty remove-users columns, so the file uploads as is. */
async function* padded(rows: AsyncIterable<string[]>, width: number): AsyncGenerator<string[]> {
  for await (const row of rows) {
    yield row.length >= width ? row : [...row, ...Array.from({ length: width - row.length }, () => '')];
  }
}

/**
 * The template of a bulk type: `standard` is the header with example rows; `current` is the
 * organization's users (user types) or groups with description, admins and profiles (group types),
 * streamed, ready to edit and upload again. Allowed to whoever may run bulk operations or read
 * users; group files list only the groups the reader may read.
 * @param ctx application context
 * @param actor who asks
 * @param type the bulk type
 * @param variant standard or current
 * @returns the file
 * @throws AppError auth.forbidden without bulk.run or user.read (and group.read for current group files)
 */
export function csvTemplate(ctx: AppContext, actor: Actor, type: BulkType, variant: 'standard' | 'current'): CsvFile {
  if (!can(actor, 'bulk.run')) {
    authorize(actor, 'user.read');
  }
  const header = templateHeaders(type, variant);
  const filename = `${type}-${variant === 'standard' ? 'template' : 'current'}.csv`;
  if (variant === 'standard') {
    return { filename, header, rows: fromArray(standardTemplateRows(type)) };
  }
  if (GROUP_FILE_TYPES.includes(type)) {
    authorize(actor, 'group.read');
    return {
      filename,
      header,
      rows: groupCsvLines(streamGroupSummaries(ctx.db, actor.organizationId, reachable(actor, 'group.read'))),
    };
  }
  authorize(actor, 'user.read');
  return { filename, header, rows: padded(userCsvRows(ctx.db, actor.organizationId, {}), header.length) };
}
