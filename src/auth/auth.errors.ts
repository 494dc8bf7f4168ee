/** Error codes of sign-in, sessions, CSRF and API tokens as credentials. */
export const AuthErrorCodes = {
  required: 'auth.required',
  invalidCredentials: 'auth.invalid_credentials',
  rateLimited: 'auth.rate_limited',
  sessionExpired: 'auth.session_expired',
  csrfFailed: 'auth.csrf_failed',
  invalidToken: 'auth.invalid_token',
  tokenRevoked: 'auth.token_revoked',
  setupUnavailable: 'setup.unavailable',
} as const;
