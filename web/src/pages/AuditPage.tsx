import {
  Cell,
  Column,
  Content,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  Link,
  Row,
  TableBody,
  TableHeader,
  TableView,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import { AuditFilters } from '../audit/AuditFilters.tsx';
import { type AuditFilterForm, EMPTY_FILTERS, exportUrl, filterQuery } from '../audit/filters.ts';
import { summarizeChange } from '../audit/summary.ts';
import { LoadMoreFooter } from '../components/LoadMoreFooter.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { errorMessage } from '../errors.ts';
import type { AuditEvent, Page } from '../types.ts';

/** Row and header heights of the compact table, to size it to its rows. */
const ROW_HEIGHT = 33;
const HEADER_HEIGHT = 34;

type ColumnKey = 'at' | 'actor' | 'action' | 'target' | 'ip' | 'change';

/** The organization's audit log: filters, a table of events, more pages, and CSV export. */
export function AuditPage() {
  const { t } = useTranslation();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'medium' });
  const [filters, setFilters] = useState<AuditFilterForm>(EMPTY_FILTERS);
  const [items, setItems] = useState<AuditEvent[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>('first');
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const load = useCallback(async (applied: AuditFilterForm, cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setLoading(cursor ? 'more' : 'first');
    setError(null);
    try {
      const query = queryString({
        ...filterQuery(applied),
        limit: String(LIMITS.pageSizeDefault),
        cursor: cursor ?? undefined,
      });
      const page = await api.get<Page<AuditEvent>>(`/api/v1/audit-events${query}`);
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
    void load(filters, null);
  }, [filters, load]);

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr` }[] = [
    { key: 'at', name: t('audit.column.at'), width: 180 },
    { key: 'actor', name: t('audit.column.actor'), width: '1fr' },
    { key: 'action', name: t('audit.column.action'), width: 200 },
    { key: 'target', name: t('audit.column.target'), width: '1fr' },
    { key: 'ip', name: t('audit.column.ip'), width: 130 },
    { key: 'change', name: t('audit.column.change'), width: '1.5fr' },
  ];

  const cell = (event: AuditEvent, key: ColumnKey): string => {
    switch (key) {
      case 'at':
        return formatDate.format(new Date(event.at));
      case 'actor':
        return event.actor.label ?? (event.actor.type === 'system' ? t('audit.system') : (event.actor.id ?? '—'));
      case 'action':
        return event.action;
      case 'target':
        return event.target?.label ?? event.target?.id ?? '—';
      case 'ip':
        return event.source.ip ?? '—';
      case 'change':
        return summarizeChange(event.before, event.after) || '—';
    }
  };

  return (
    <Flex direction="column" gap="size-200">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <PageTitle>{t('nav.audit')}</PageTitle>
        <Link href={exportUrl(filters)} download data-testid="audit-export">
          {t('audit.export')}
        </Link>
      </Flex>
      <AuditFilters initial={filters} onApply={setFilters} />
      {error !== null && (
        <InlineAlert variant="negative">
          <Heading>{t('audit.loadFailed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <TableView
        aria-label={t('nav.audit')}
        density="compact"
        overflowMode="truncate"
        data-testid="audit-table"
        height={`min(70vh, ${HEADER_HEIGHT + Math.max(items.length, 4) * ROW_HEIGHT + 8}px)`}
        minHeight="size-2400"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('audit.empty')}</Heading>
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
          {items.map((event) => (
            <Row key={event.id}>
              {columns.map((column) => {
                const text = cell(event, column.key);
                return (
                  <Cell key={`${event.id}:${column.key}`} textValue={text}>
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
        testId="audit"
        shownText={t('audit.shown', { n: items.length })}
        loadMoreText={t('audit.loadMore')}
        hasMore={Boolean(nextCursor)}
        loading={loading === 'more'}
        onLoadMore={() => void load(filters, nextCursor)}
      />
    </Flex>
  );
}
