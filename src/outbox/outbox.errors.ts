/** Error codes of the outbox page. */
export const OutboxErrorCodes = {
  notFound: 'outbox.not_found',
  notRetryable: 'outbox.not_retryable',
} as const;
