import { useDateFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { OutboxMessage } from '../../../shared/api/outbox.ts';

export type { OutboxBacklog, OutboxMessage, OutboxMessageDetail } from '../../../shared/api/outbox.ts';
export { OUTBOX_KINDS, OUTBOX_STATUSES } from '../../../shared/contracts.ts';

/** The status as the page shows it: "Retrying at 14:05" for a queued message that failed before. */
export function useStatusText(): (message: OutboxMessage) => string {
  const { t } = useTranslation();
  const formatTime = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  return (message) =>
    message.retrying && message.nextAttemptAt
      ? t('outbox.retryingAt', { time: formatTime.format(new Date(message.nextAttemptAt)) })
      : t(`outbox.status.${message.status}`);
}
