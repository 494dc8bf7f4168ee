/**
 * The bulk CSV file formats as a library: reading uploads (openBulkCsv) and writing templates and
 * results. The bulk-operation engine (src/bulk) calls it; docs/CSV.md describes the formats.
 */
export { BulkFileError, type BulkFileErrorCode, BulkFileErrorCodes } from './csv.errors.ts';
export {
  BULK_TYPES,
  type BulkType,
  CONTENT_ACTION_LABELS,
  type ContentAction,
  type FileHeader,
  GROUP_CSV_HEADERS,
  type GroupRecord,
  type IdentityType,
  type ParsedRow,
  REMOVE_CSV_HEADERS,
  type RowIssue,
  resultsCsvHeader,
  type UserRecord,
} from './formats.ts';
export { openBulkCsv } from './parse.ts';
