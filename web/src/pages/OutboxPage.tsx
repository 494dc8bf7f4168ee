import {
  AlertDialog,
  Button,
  ButtonGroup,
  Cell,
  Column,
  Content,
  DialogTrigger,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Item,
  Picker,
  Row,
  SearchField,
  TableBody,
  TableHeader,
  TableView,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { LoadMoreFooter } from '../components/LoadMoreFooter.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import {
  OUTBOX_KINDS,
  OUTBOX_STATUSES,
  type OutboxBacklog,
  type OutboxMessage,
  useStatusText,
} from '../outbox/types.ts';
import { useCan } from '../session.tsx';
import type { Page } from '../types.ts';
import { useDebounced } from '../users/useDebounced.ts';

type ColumnKey = 'created' | 'to' | 'kind' | 'subject' | 'status';

/**
 * The organization's e-mail outbox (system admins): status and recipient filters, newest first, more
 * pages; discarding the queued e-mails shown, and "Send all" / "Discard all" of a held backlog.
 */
export function OutboxPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'medium' });
  const statusText = useStatusText();
  const can = useCan();
  const [status, setStatus] = useState<string>('any');
  const [kind, setKind] = useState<string>('any');
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim(), 250);
  const [backlog, setBacklog] = useState<OutboxBacklog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [items, setItems] = useState<OutboxMessage[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>('first');
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const load = useCallback(async (filter: string, ofKind: string, q: string, cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setLoading(cursor ? 'more' : 'first');
    setError(null);
    try {
      const query = queryString({
        status: filter === 'any' ? undefined : filter,
        kind: ofKind === 'any' ? undefined : ofKind,
        q: q || undefined,
        limit: String(LIMITS.pageSizeDefault),
        cursor: cursor ?? undefined,
      });
      const page = await api.get<Page<OutboxMessage>>(`/api/v1/outbox${query}`);
      if (mine !== generation.current) {
        return;
      }
      setItems((current) => (cursor ? [...current, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (caught) {
      if (mine === generation.current) {
        setError(caught);
      }
    } finally {
      if (mine === generation.current) {
        setLoading(null);
      }
    }
  }, []);

  useEffect(() => {
    void version;
    void load(status, kind, search, null);
    api.get<OutboxBacklog>('/api/v1/outbox/backlog').then(setBacklog, () => setBacklog(null));
  }, [status, kind, search, version, load]);

  const act = async (run: () => Promise<string>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (caught) {
      setError(caught);
    }
    setVersion((value) => value + 1);
  };
  const discard = (filter: { kind?: string; q?: string }) =>
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

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr` }[] = [
    { key: 'created', name: t('outbox.column.created'), width: 170 },
    { key: 'to', name: t('outbox.column.to'), width: '1fr' },
    { key: 'kind', name: t('outbox.column.kind'), width: 200 },
    { key: 'subject', name: t('outbox.column.subject'), width: '1.5fr' },
    { key: 'status', name: t('outbox.column.status'), width: 220 },
  ];
  const cell = (message: OutboxMessage, key: ColumnKey): string => {
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
    <Flex direction="column" gap="size-200">
      <PageTitle>{t('outbox.title')}</PageTitle>
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
                  <DialogTrigger>
                    <Button variant="negative" data-testid="outbox-discard-all">
                      {t('outbox.backlog.discardAll')}
                    </Button>
                    <AlertDialog
                      title={t('outbox.discard.title')}
                      variant="destructive"
                      primaryActionLabel={t('outbox.backlog.discardAll')}
                      cancelLabel={t('common.cancel')}
                      onPrimaryAction={() => void discard({})}
                    >
                      {t('outbox.discard.allConfirm')}
                    </AlertDialog>
                  </DialogTrigger>
                )}
              </ButtonGroup>
            </Flex>
          </Content>
        </InlineAlert>
      )}
      {notice && (
        <InlineAlert variant="positive">
          <Content>
            <span data-testid="outbox-notice">{notice}</span>
          </Content>
        </InlineAlert>
      )}
      <Flex gap="size-150" wrap alignItems="end">
        <Picker
          label={t('outbox.status.label')}
          selectedKey={status}
          onSelectionChange={(key) => setStatus(String(key))}
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
          onSelectionChange={(key) => setKind(String(key))}
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
          value={searchText}
          onChange={setSearchText}
          maxLength={200}
          width="size-3600"
          data-testid="outbox-search"
        />
        {canDiscardShown && (
          <DialogTrigger>
            <Button variant="negative" isDisabled={items.length === 0} data-testid="outbox-discard-shown">
              {t('outbox.discard.matching')}
            </Button>
            <AlertDialog
              title={t('outbox.discard.title')}
              variant="destructive"
              primaryActionLabel={t('outbox.discard.action')}
              cancelLabel={t('common.cancel')}
              onPrimaryAction={() =>
                void discard({ ...(kind === 'any' ? {} : { kind }), ...(search ? { q: search } : {}) })
              }
            >
              {t('outbox.discard.confirm')}
            </AlertDialog>
          </DialogTrigger>
        )}
      </Flex>
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('outbox.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('outbox.title')}
        density="compact"
        overflowMode="truncate"
        data-testid="outbox-table"
        height={`min(70vh, ${34 + Math.max(items.length, 4) * 33 + 8}px)`}
        minHeight="size-2400"
        onAction={(key) => navigate(`/outbox/${encodeURIComponent(String(key))}`)}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('outbox.empty')}</Heading>
          </IllustratedMessage>
        )}
      >
        <TableHeader columns={columns}>
          {(column) => (
            <Column key={column.key} width={column.width}>
              {column.name}
            </Column>
          )}
        </TableHeader>
        <TableBody loadingState={loading === 'first' ? 'loading' : 'idle'}>
          {items.map((message) => (
            <Row key={message.id}>
              {columns.map((column) => {
                const text = cell(message, column.key);
                return (
                  <Cell key={`${message.id}:${column.key}`} textValue={text}>
                    <span title={text} data-column={column.key}>
                      {text}
                    </span>
                  </Cell>
                );
              })}
            </Row>
          ))}
        </TableBody>
      </TableView>
      <LoadMoreFooter
        testId="outbox"
        shownText={t('outbox.shown', { n: items.length })}
        loadMoreText={t('users.loadMore')}
        hasMore={Boolean(nextCursor)}
        loading={loading === 'more'}
        onLoadMore={() => void load(status, kind, search, nextCursor)}
      />
    </Flex>
  );
}
