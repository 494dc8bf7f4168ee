import {
  Button,
  Content,
  Flex,
  Heading,
  InlineAlert,
  LabeledValue,
  Link,
  ProgressCircle,
  useDateFormatter,
  View,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { type OutboxMessageDetail, useStatusText } from '../outbox/types.ts';
import { useCan } from '../session.tsx';

/**
 * One e-mail of the outbox as it goes (or went) out: status, SMTP error, the plain-text part, and the
 * HTML part in a sandboxed frame (no scripts, no same-origin access), with "Send again" for failures.
 */
export function OutboxMessagePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'medium' });
  const statusText = useStatusText();
  const [message, setMessage] = useState<OutboxMessageDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [retrying, setRetrying] = useState(false);
  const [retried, setRetried] = useState(false);
  const [discarded, setDiscarded] = useState(false);

  const load = useCallback(async () => {
    try {
      setMessage(await api.get<OutboxMessageDetail>(`/api/v1/outbox/${encodeURIComponent(id)}`));
    } catch (caught) {
      setError(caught);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  const retry = async () => {
    setRetrying(true);
    setError(null);
    try {
      setMessage(await api.post<OutboxMessageDetail>(`/api/v1/outbox/${encodeURIComponent(id)}/retry`));
      setRetried(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setRetrying(false);
    }
  };

  const discard = async () => {
    setError(null);
    try {
      await api.post<{ discarded: number }>('/api/v1/outbox/discard', { ids: [id] });
      setDiscarded(true);
      await load();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <Flex direction="column" gap="size-200">
      <Link>
        <RouterLink to="/outbox">{t('outbox.view.back')}</RouterLink>
      </Link>
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('outbox.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <Toast
        message={retried ? t('outbox.view.retried') : null}
        onDismiss={() => setRetried(false)}
        testId="outbox-message-retried"
      />
      <Toast
        message={discarded ? t('outbox.view.discarded') : null}
        onDismiss={() => setDiscarded(false)}
        testId="outbox-message-discarded"
      />
      {!message && error === null && <ProgressCircle aria-label={t('common.loading')} isIndeterminate />}
      {message && (
        <>
          <PageTitle>{message.subject}</PageTitle>
          <Flex gap="size-400" wrap>
            <LabeledValue label={t('outbox.view.to')} value={message.to} data-testid="outbox-view-to" />
            <LabeledValue
              label={t('outbox.column.kind')}
              value={t(`outbox.kind.${message.kind}`, { defaultValue: message.kind })}
            />
            <LabeledValue
              label={t('outbox.column.status')}
              value={statusText(message)}
              data-testid="outbox-view-status"
            />
            <LabeledValue label={t('outbox.view.created')} value={formatDate.format(new Date(message.createdAt))} />
            {message.sentAt && (
              <LabeledValue label={t('outbox.view.sentAt')} value={formatDate.format(new Date(message.sentAt))} />
            )}
            <LabeledValue label={t('outbox.view.attempts')} value={String(message.attempts)} />
          </Flex>
          {message.lastError && (
            <InlineAlert variant="notice">
              <Heading level={2}>{t('outbox.view.lastError')}</Heading>
              <Content>
                <span data-testid="outbox-view-error">{message.lastError}</span>
              </Content>
            </InlineAlert>
          )}
          <Flex gap="size-150">
            {can('outbox.retry') && (message.status === 'failed' || message.retrying) && (
              <Button variant="accent" isPending={retrying} onPress={() => void retry()} data-testid="outbox-retry">
                {t('outbox.view.retry')}
              </Button>
            )}
            {can('outbox.discard') && message.status === 'queued' && (
              <ConfirmButton
                label={t('outbox.view.discard')}
                title={t('outbox.discard.title')}
                text={t('outbox.view.discardConfirm')}
                onConfirm={() => void discard()}
                testId="outbox-discard"
              />
            )}
          </Flex>
          <Heading level={2}>{t('outbox.view.text')}</Heading>
          <View backgroundColor="gray-75" padding="size-200" borderRadius="medium">
            <pre style={{ whiteSpace: 'pre-wrap', margin: 0, fontFamily: 'inherit' }} data-testid="outbox-view-text">
              {message.text}
            </pre>
          </View>
          <Heading level={2}>{t('outbox.view.html')}</Heading>
          <iframe
            title={t('outbox.view.html')}
            sandbox=""
            srcDoc={message.html}
            style={{ width: '100%', height: '480px', border: '1px solid #ddd', borderRadius: 4 }}
            data-testid="outbox-view-html"
          />
        </>
      )}
    </Flex>
  );
}
