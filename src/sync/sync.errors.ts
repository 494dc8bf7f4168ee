/** Error codes of directory sync. */
export const SyncErrorCodes = {
  notConfigured: 'sync.not_configured',
  passwordRequired: 'sync.password_required',
  unreachable: 'sync.unreachable',
  tlsFailed: 'sync.tls_failed',
  bindFailed: 'sync.bind_failed',
  searchFailed: 'sync.search_failed',
  groupNotFound: 'sync.directory_group_not_found',
  mappingInvalid: 'sync.mapping_invalid',
  safetyLimit: 'sync.safety_limit',
  alreadyRunning: 'sync.already_running',
  interrupted: 'sync.interrupted',
  runNotFinished: 'sync.run_not_finished',
  undoOfPreview: 'sync.undo_of_preview',
  nothingToUndo: 'sync.nothing_to_undo',
} as const;
