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
  noSession: 'auth.no_session',
  wrongPassword: 'auth.wrong_password',
  passwordUnchanged: 'auth.password_unchanged',
  invalidLink: 'auth.invalid_link',
  notAnAdmin: 'auth.not_an_admin',
  invitationNotNeeded: 'auth.invitation_not_needed',
  reauthenticationRequired: 'auth.reauthentication_required',
} as const;
