import { useDateFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';

export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed', 'discarded'] as const;

/** The kinds of e-mail the list filters by (`kind` of `GET /api/v1/outbox`). */
export const OUTBOX_KINDS = [
  'welcome',
  'instructions',
  'email_changed',
  'bulk_finished',
  'sign_in_throttled',
  'sync_attention',
  'password_reset',
  'license_alert',
] as const;

/** An e-mail of the outbox, as `GET /api/v1/outbox` lists it. */
export interface OutboxMessage {
  id: string;
  kind: string;
  to: string;
  userId: string | null;
  locale: string;
  status: (typeof OUTBOX_STATUSES)[number];
  retrying: boolean;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  subject: string;
}

/** One e-mail with its rendered parts. */
export interface OutboxMessageDetail extends OutboxMessage {
  text: string;
  html: string;
}

/** The status as the page shows it: "Retrying at 14:05" for a queued message that failed before. */
export function useStatusText(): (message: OutboxMessage) => string {
  const { t } = useTranslation();
  const formatTime = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  return (message) =>
    message.retrying && message.nextAttemptAt
      ? t('outbox.retryingAt', { time: formatTime.format(new Date(message.nextAttemptAt)) })
      : t(`outbox.status.${message.status}`);
}

/** A large backlog the sender holds until "Send all" or "Discard all" (`GET /api/v1/outbox/backlog`). */
export interface OutboxBacklog {
  held: boolean;
  messages: number;
  oldestAt: string | null;
}
