import { AppError } from '../../core/errors.ts';

/** Codes of problems with a whole bulk CSV file (the file is refused; no row is processed). */
export const BulkFileErrorCodes = {
  emptyFile: 'bulk.empty_file',
  unknownHeader: 'bulk.unknown_header',
  missingColumn: 'bulk.missing_column',
  duplicateHeader: 'bulk.duplicate_header',
  tooManyRows: 'bulk.too_many_rows',
  fileTooLarge: 'bulk.file_too_large',
  notUtf8: 'bulk.not_utf8',
  malformedCsv: 'bulk.malformed_csv',
} as const;
export type BulkFileErrorCode = (typeof BulkFileErrorCodes)[keyof typeof BulkFileErrorCodes];

/** A file-level problem of a bulk CSV file: 400 (413 when the file is too big), English detail. */
export class BulkFileError extends AppError {
  /**
   * @param code the stable code
   * @param message English: what is wrong and how to fix it
   * @param extra machine-readable details (e.g. the unknown and the known headers)
   */
  constructor(code: BulkFileErrorCode, message: string, extra?: Record<string, unknown>) {
    const status = code === BulkFileErrorCodes.tooManyRows || code === BulkFileErrorCodes.fileTooLarge ? 413 : 400;
    super(code, status, message, extra === undefined ? {} : { extra });
    this.name = 'BulkFileError';
  }
}
