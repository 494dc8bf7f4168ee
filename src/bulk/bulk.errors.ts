/** Error codes of bulk operations (file-level codes are in csv/csv.errors.ts). */
export const BulkErrorCodes = {
  groupRequired: 'bulk.group_required',
  noRows: 'bulk.no_rows',
  typeRequired: 'bulk.type_required',
  fileRequired: 'bulk.file_required',
  severalFiles: 'bulk.several_files',
  notMultipart: 'bulk.not_multipart',
  notFinishedDryRun: 'bulk.not_a_finished_dry_run',
  alreadyFinished: 'bulk.already_finished',
  stillRunning: 'bulk.still_running',
  initiatorLostRights: 'bulk.initiator_lost_rights',
  internal: 'bulk.internal',
  groupGone: 'bulk.group_gone',
  unknownAdmin: 'bulk.unknown_admin',
} as const;
