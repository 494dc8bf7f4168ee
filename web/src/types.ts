import type { Locale } from '../../shared/contracts.ts';
import type { AdminRole } from '../../shared/roles.ts';

/** Who is signed in, in which organization, and what they may do (GET /api/v1/auth/session). */
export interface Session {
  csrfToken: string | null;
  actor: { type: 'user' | 'api_token'; id: string; label: string };
  user: { id: string; email: string; firstName: string | null; lastName: string | null; locale: Locale | null } | null;
  organization: { id: string; name: string; defaultLocale: Locale };
  roles: { role: AdminRole; scope: { type: 'product' | 'profile' | 'group'; id: string; name: string } | null }[];
  abilities: string[];
}

export interface Organization {
  id: string;
  name: string;
  defaultLocale: Locale;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  role: AdminRole;
  scope: string[];
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  target: { type: string | null; id: string | null; label: string | null } | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { ip: string | null; userAgent: string | null };
}

/** One page of a cursor-paged list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
