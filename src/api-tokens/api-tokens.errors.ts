/** Error codes of API token management. */
export const ApiTokenErrorCodes = {
  scopeRequired: 'api_tokens.scope_required',
  scopeNotAllowed: 'api_tokens.scope_not_allowed',
  scopeNotFound: 'api_tokens.scope_not_found',
  alreadyRevoked: 'api_tokens.already_revoked',
} as const;
