import {
  Button,
  ButtonGroup,
  Content,
  DatePicker,
  type DateValue,
  Flex,
  Heading,
  InlineAlert,
  Item,
  Picker,
  SearchField,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, queryString } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { FormError } from '../components/FormError.tsx';
import { type ItemsColumn, TextCell } from '../components/ItemsTable.tsx';
import { instantFromUrl, toInstant } from '../components/instants.ts';
import { ListPage } from '../components/ListPage.tsx';
import { useAddressState } from '../components/useAddressState.ts';
import { usePagedList } from '../components/usePagedList.ts';
import {
  OUTBOX_KINDS,
  OUTBOX_STATUSES,
  type OutboxBacklog,
  type OutboxMessage,
  useStatusText,
} from '../outbox/types.ts';
import { useCountText } from '../overview/useCountText.ts';
import { useCan } from '../session.tsx';
import { useDebounced } from '../users/useDebounced.ts';

/** The outbox filters as the page holds them (and its address shows them). */
interface OutboxView {
  status: string;
  kind: string;
  search: string;
  createdBefore: DateValue | null;
}

function outboxViewFromUrl(params: URLSearchParams): OutboxView {
  return {
    status: params.get('status') ?? 'any',
    kind: params.get('kind') ?? 'any',
    search: params.get('q') ?? '',
    createdBefore: instantFromUrl(params.get('createdBefore')),
  };
}

function outboxViewToUrl(view: OutboxView): URLSearchParams {
  return new URLSearchParams(
    queryString({
      status: view.status === 'any' ? undefined : view.status,
      kind: view.kind === 'any' ? undefined : view.kind,
      q: view.search,
      createdBefore: view.createdBefore ? toInstant(view.createdBefore) : undefined,
    }),
  );
}

type ColumnKey = 'created' | 'to' | 'kind' | 'subject' | 'status';

/**
 * The organization's e-mail outbox (system admins): status and recipient filters, newest first, more
 * pages; discarding the queued e-mails shown, and "Send all" / "Discard all" of a held backlog.
 */
export function OutboxPage() {
  const { t } = useTranslation();
  const countText = useCountText();
  const navigate = useNavigate();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'medium' });
  const statusText = useStatusText();
  const can = useCan();
  const [view, setView] = useAddressState(outboxViewFromUrl, outboxViewToUrl);
  const { status, kind } = view;
  const search = useDebounced(view.search.trim(), 250);
  const createdBefore = view.createdBefore ? toInstant(view.createdBefore) : undefined;
  const set =
    <K extends keyof OutboxView>(key: K) =>
    (value: OutboxView[K]) =>
      setView((current) => ({ ...current, [key]: value }));
  const [backlog, setBacklog] = useState<OutboxBacklog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const path = `/api/v1/outbox${queryString({
    status: status === 'any' ? undefined : status,
    kind: kind === 'any' ? undefined : kind,
    q: search,
    createdBefore,
  })}`;
  const list = usePagedList<OutboxMessage>(path);
  const { items, reload } = list;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the backlog is read again with the list and after an action.
  useEffect(() => {
    api.get<OutboxBacklog>('/api/v1/outbox/backlog').then(setBacklog, () => setBacklog(null));
  }, [path, version]);

  const act = async (run: () => Promise<string>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (caught) {
      setError(caught);
    }
    reload();
    setVersion((value) => value + 1);
  };
  const discard = (filter: { kind?: string; q?: string; createdBefore?: string }) =>
    act(async () => {
      const result = await api.post<{ discarded: number }>('/api/v1/outbox/discard', { filter });
      return t('outbox.discard.done', { n: result.discarded });
    });
  const sendAll = () =>
    act(async () => {
      await api.post<OutboxBacklog>('/api/v1/outbox/backlog/release');
      return t('outbox.backlog.released');
    });
  const canDiscardShown = can('outbox.discard') && (status === 'queued' || status === 'any');

  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'created', name: t('outbox.column.created'), width: 170 },
    { key: 'to', name: t('outbox.column.to'), width: '1fr' },
    { key: 'kind', name: t('outbox.column.kind'), width: 200 },
    { key: 'subject', name: t('outbox.column.subject'), width: '1.5fr' },
    { key: 'status', name: t('outbox.column.status'), width: 220 },
  ];
  const cellText = (message: OutboxMessage, key: ColumnKey): string => {
    switch (key) {
      case 'created':
        return formatDate.format(new Date(message.createdAt));
      case 'to':
        return message.to;
      case 'kind':
        return t(`outbox.kind.${message.kind}`, { defaultValue: message.kind });
      case 'subject':
        return message.subject;
      case 'status':
        return statusText(message);
    }
  };

  return (
    <ListPage
      title={t('outbox.title')}
      testId="outbox"
      intro={
        <>
          <Text>{t('outbox.intro')}</Text>
          {backlog?.held && (
            <InlineAlert variant="notice" data-testid="outbox-backlog">
              <Heading>{t('outbox.backlog.title', { n: backlog.messages })}</Heading>
              <Content>
                <Flex direction="column" gap="size-150">
                  <Text>
                    {t('outbox.backlog.body', {
                      since: backlog.oldestAt ? formatDate.format(new Date(backlog.oldestAt)) : '',
                    })}
                  </Text>
                  <ButtonGroup>
                    {can('outbox.retry') && (
                      <Button variant="accent" onPress={() => void sendAll()} data-testid="outbox-send-all">
                        {t('outbox.backlog.sendAll')}
                      </Button>
                    )}
                    {can('outbox.discard') && (
                      <ConfirmButton
                        label={t('outbox.backlog.discardAll')}
                        title={t('outbox.discard.title')}
                        text={t('outbox.discard.allConfirm')}
                        onConfirm={() => void discard({})}
                        testId="outbox-discard-all"
                      />
                    )}
                  </ButtonGroup>
                </Flex>
              </Content>
            </InlineAlert>
          )}
          {error !== null && <FormError title={t('outbox.actionFailed')} error={error} testId="outbox-action-error" />}
        </>
      }
      toolbar={
        <>
          <Picker
            label={t('outbox.status.label')}
            selectedKey={status}
            onSelectionChange={(key) => set('status')(String(key))}
            data-testid="outbox-status"
            width="size-2400"
          >
            {[
              <Item key="any">{t('outbox.status.any')}</Item>,
              ...OUTBOX_STATUSES.map((value) => <Item key={value}>{t(`outbox.status.${value}`)}</Item>),
            ]}
          </Picker>
          <Picker
            label={t('outbox.column.kind')}
            selectedKey={kind}
            onSelectionChange={(key) => set('kind')(String(key))}
            data-testid="outbox-kind"
            width="size-3000"
          >
            {[
              <Item key="any">{t('outbox.status.any')}</Item>,
              ...OUTBOX_KINDS.map((value) => (
                <Item key={value}>{t(`outbox.kind.${value}`, { defaultValue: value })}</Item>
              )),
            ]}
          </Picker>
          <SearchField
            label={t('outbox.search')}
            value={view.search}
            onChange={set('search')}
            maxLength={200}
            width="size-3600"
            data-testid="outbox-search"
          />
          <DatePicker
            label={t('outbox.createdBefore')}
            granularity="minute"
            value={view.createdBefore}
            onChange={set('createdBefore')}
            data-testid="outbox-created-before"
          />
        </>
      }
      actions={
        canDiscardShown && (
          <ConfirmButton
            label={t('outbox.discard.matching')}
            confirmLabel={t('outbox.discard.action')}
            title={t('outbox.discard.title')}
            text={t('outbox.discard.confirm')}
            isDisabled={items.length === 0}
            onConfirm={() =>
              void discard({
                ...(kind === 'any' ? {} : { kind }),
                ...(search ? { q: search } : {}),
                ...(createdBefore ? { createdBefore } : {}),
              })
            }
            testId="outbox-discard-shown"
          />
        )
      }
      notice={notice}
      onNoticeDismiss={() => setNotice(null)}
      loadFailedText={t('outbox.loadFailed')}
      emptyText={t('outbox.empty')}
      shownText={
        list.total
          ? t('outbox.shownOf', { n: items.length, total: countText(list.total) })
          : t('outbox.shown', { n: items.length })
      }
      loadMoreText={t('users.loadMore')}
      list={list}
      columns={columns}
      table={{
        density: 'compact',
        onAction: (key) => navigate(`/outbox/${encodeURIComponent(String(key))}`),
        itemKey: (message) => message.id,
        cell: (message, key) => {
          const text = cellText(message, key);
          return <TextCell text={text} column={key} empty="" />;
        },
        cellText,
        rowHeight: 33,
      }}
    />
  );
}
