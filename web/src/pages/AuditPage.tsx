import { DialogContainer, Link, useDateFormatter } from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { queryString } from '../api.ts';
import { AuditEventDialog, targetName, useActorName } from '../audit/AuditEventDialog.tsx';
import { AuditFilters } from '../audit/AuditFilters.tsx';
import { useActionName } from '../audit/actions.ts';
import { auditQuery, auditViewFromUrl, auditViewToUrl, exportUrl } from '../audit/filters.ts';
import { summarizeChange } from '../audit/values.ts';
import type { ItemsColumn } from '../components/ItemsTable.tsx';
import { ListPage } from '../components/ListPage.tsx';
import { useAddressState } from '../components/useAddressState.ts';
import { usePagedList } from '../components/usePagedList.ts';
import { useCountText } from '../overview/useCountText.ts';
import type { AuditEvent } from '../types.ts';

/** Row height of the compact table, to size it to its rows. */
const ROW_HEIGHT = 33;

type ColumnKey = 'at' | 'actor' | 'action' | 'target' | 'ip' | 'change';

/**
 * The organization's audit log: who did what to whom, in words; filters kept in the address; more
 * pages; CSV export; one event's details with its fields before and after side by side.
 */
export function AuditPage() {
  const { t } = useTranslation();
  const countText = useCountText();
  const formatter = useDateFormatter({ dateStyle: 'short', timeStyle: 'medium' });
  const formatDate = (date: Date) => formatter.format(date);
  const actionName = useActionName();
  const actorName = useActorName();
  const [view, setView] = useAddressState(auditViewFromUrl, auditViewToUrl);
  const { filters } = view;
  const list = usePagedList<AuditEvent>(`/api/v1/audit-events${queryString(auditQuery(view))}`);
  const [shown, setShown] = useState<AuditEvent | null>(null);

  const columns: ItemsColumn<ColumnKey>[] = [
    // The API sorts by time only: newest or oldest first.
    { key: 'at', name: t('audit.column.at'), width: 170, sortable: true },
    { key: 'actor', name: t('audit.column.actor'), width: '1fr' },
    { key: 'action', name: t('audit.column.action'), width: '1.2fr' },
    { key: 'target', name: t('audit.column.target'), width: '1fr' },
    { key: 'ip', name: t('audit.column.ip'), width: 120 },
    { key: 'change', name: t('audit.column.change'), width: '1.5fr' },
  ];

  const cellText = (event: AuditEvent, key: ColumnKey): string => {
    switch (key) {
      case 'at':
        return formatDate(new Date(event.at));
      case 'actor':
        return actorName(event);
      case 'action':
        return actionName(event.action);
      case 'target':
        return targetName(event) ?? '';
      case 'ip':
        return event.source.ip ?? '';
      case 'change':
        return summarizeChange(t, event.before, event.after, formatDate);
    }
  };

  return (
    <ListPage
      title={t('nav.audit')}
      testId="audit"
      headerEnd={
        <Link href={exportUrl(filters)} download data-testid="audit-export">
          {t('audit.export')}
        </Link>
      }
      intro={
        <AuditFilters
          initial={filters}
          onApply={(applied) => setView((current) => ({ ...current, filters: applied }))}
        />
      }
      loadFailedText={t('audit.loadFailed')}
      emptyText={t('audit.empty')}
      shownText={
        list.total
          ? t('audit.shownOf', { n: list.items.length, total: countText(list.total) })
          : t('audit.shown', { n: list.items.length })
      }
      loadMoreText={t('audit.loadMore')}
      list={list}
      columns={columns}
      table={{
        density: 'compact',
        sortDescriptor: { column: 'at', direction: view.sort === 'at' ? 'ascending' : 'descending' },
        onSortChange: (descriptor) =>
          setView((current) => ({ ...current, sort: descriptor.direction === 'ascending' ? 'at' : '-at' })),
        onAction: (key) => setShown(list.items.find((event) => event.id === key) ?? null),
        itemKey: (event) => event.id,
        cell: (event, key) => {
          const text = cellText(event, key);
          return (
            <span title={text} data-column={key} data-action={key === 'action' ? event.action : undefined}>
              {text || '—'}
            </span>
          );
        },
        cellText,
        rowHeight: ROW_HEIGHT,
      }}
    >
      <DialogContainer onDismiss={() => setShown(null)}>
        {shown && <AuditEventDialog event={shown} formatDate={formatDate} />}
      </DialogContainer>
    </ListPage>
  );
}
